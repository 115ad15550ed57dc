using HybridCacheKit.AspNetCore.OutputCaching;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

public sealed class OutputCacheKeyEncoderTests
{
    private readonly OutputCacheKeyEncoder _encoder = new("oc:", 1024);

    [Fact]
    public void ForEntry_FrameworkKeyWithSeparators_PrintableAndPrefixed()
    {
        var key = _encoder.ForEntry("GET\u001eHTTP\u001eLOCALHOST:80/PRODUCTS/1\u001eQ\u001epage=1");

        Assert.Equal("oc:k:GET%1EHTTP%1ELOCALHOST:80/PRODUCTS/1%1EQ%1Epage=1", key);
        Assert.DoesNotContain(key, char.IsControl);
    }

    [Theory]
    [InlineData("a\u001eb", "a%1Eb")]
    [InlineData("a%b", "a%25b")]
    [InlineData("a\u007fb", "a%7Fb")]
    [InlineData("héllo", "héllo")]
    public void ForEntry_SpecialCharacters_Escaped(string raw, string escaped)
        => Assert.Equal("oc:k:" + escaped, _encoder.ForEntry(raw));

    [Theory]
    [InlineData(20)]   // one pass through a stack buffer
    [InlineData(400)]  // too long for the stack buffer: measured, then escaped
    public void ForEntry_ShortAndLongKeys_SameEscaping(int length)
    {
        var raw = string.Concat(Enumerable.Range(0, length).Select(i => i % 10 == 0 ? '\u001e' : i % 7 == 0 ? '%' : (char)('a' + (i % 26))));
        var expected = "oc:k:" + raw.Replace("%", "%25", StringComparison.Ordinal).Replace("\u001e", "%1E", StringComparison.Ordinal);

        Assert.Equal(expected, _encoder.ForEntry(raw));
    }

    [Fact]
    public void ForEntry_LoneSurrogate_Escaped()
    {
        // Not an [InlineData] case: attribute strings are stored as UTF-8, which has no lone surrogates.
        Assert.Equal("oc:k:a%uD800b", _encoder.ForEntry("a\ud800b"));
    }

    [Fact]
    public void ForEntry_LookalikeKeys_NeverShareAnEngineKey()
    {
        // Each pair is a classic ambiguity of naive escaping or joining.
        string[] keys =
        [
            "a\u001eb", "a%1Eb", "a%251Eb", "a%%1Eb", "a\u001e", "a%1E", "%uD800", "\ud800", "%%uD800", "",
            "k:x", "h:x", new string('x', 2000), new string('x', 2001), "a\u001fb", "a\u001e\u001fb", "a%1F%1Eb",
        ];

        var encoded = keys.Select(_encoder.ForEntry).ToList();

        Assert.Equal(keys.Length, encoded.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void ForEntry_RandomKeysFromAHostileAlphabet_AllDistinct()
    {
        var random = new Random(4242);
        const string alphabet = "a%1EuD8\u001e\u001f\u007f\ud800\udc00";
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (keys.Count < 20_000)
        {
            var chars = new char[random.Next(0, 7)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            keys.Add(new string(chars));
        }

        var encoded = new HashSet<string>(keys.Select(_encoder.ForEntry), StringComparer.Ordinal);

        Assert.Equal(keys.Count, encoded.Count);
    }

    [Fact]
    public void ForEntry_KeyTooLongOnceEscaped_HashedWithinLimit()
    {
        var encoder = new OutputCacheKeyEncoder("oc:", 100);
        var longKey = new string('\u001e', 40); // 40 chars, 120 once escaped

        var first = encoder.ForEntry(longKey);
        var second = encoder.ForEntry(longKey + "x");

        Assert.StartsWith("oc:h:", first, StringComparison.Ordinal);
        Assert.Equal(3 + OutputCacheKeyEncoder.HashedFormLength, first.Length);
        Assert.NotEqual(first, second);
        Assert.Equal(first, encoder.ForEntry(longKey));
        Assert.True(first.All(c => c is >= ' ' and <= '~'));
    }

    [Fact]
    public void ForEntry_LoneSurrogateAndReplacementChar_DifferentHashes()
    {
        // UTF-8 would turn both into U+FFFD; hashing UTF-16 code units keeps them apart.
        var encoder = new OutputCacheKeyEncoder("oc:", 10);

        Assert.NotEqual(encoder.ForEntry(new string('a', 20) + "\ud800"), encoder.ForEntry(new string('a', 20) + "\ufffd"));
    }

    [Fact]
    public void ForTag_ControlCharactersAndStar_BecomeValidEngineTags()
    {
        Assert.Equal("oc:*", _encoder.ForTag("*"));
        Assert.Equal("oc:a%0Ab", _encoder.ForTag("a\nb"));
        Assert.Equal("oc:", _encoder.ForTag(string.Empty));
    }
}

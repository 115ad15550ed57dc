using System.Security.Claims;
using HybridCacheKit.AspNetCore.ResponseCaching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>The key encoding: injective, printable ASCII, bounded, and never holding a raw user id.</summary>
public sealed class CacheKeyTests
{
    private static readonly DistributedResponseCacheOptions s_defaults = new();

    private static ResponseCachePolicy Policy(string[]? query = null, string[]? headers = null, string[]? routes = null, bool user = false)
        => ResponseCachePolicyResolver.Build(
            new ResponseCachePolicySettings { VaryByQuery = query, VaryByHeader = headers, VaryByRouteValue = routes, VaryByUser = user },
            s_defaults,
            allowPolicyName: false)!;

    private static DefaultHttpContext Request(
        string path = "/p",
        string query = "",
        string host = "localhost",
        string scheme = "http",
        string pathBase = "",
        (string Name, StringValues Value)[]? headers = null,
        (string Name, object? Value)[]? routes = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = scheme;
        context.Request.Headers.Host = host; // as a server receives it (the Host setter would IDN-encode it)
        context.Request.PathBase = new PathString(pathBase.Length == 0 ? null : pathBase);
        context.Request.Path = new PathString(path);
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        foreach (var (name, value) in headers ?? [])
        {
            context.Request.Headers[name] = value;
        }

        foreach (var (name, value) in routes ?? [])
        {
            context.Request.RouteValues[name] = value;
        }

        return context;
    }

    private static string Key(HttpContext context, ResponseCachePolicy policy, string? user = null, string? encoding = null, int threshold = 100_000)
        => ResponseCacheKey.Build(context, policy, user, encoding, threshold);

    public static TheoryData<string, string> DistinctQueries => new()
    {
        { "?a=1,2", "?a=1&a=2" },
        { "?a=1&a=2", "?a=2&a=1" },
        { "?a=1;b=2", "?a=1&b=2" },
        { "?a=1&b=2", "?b=2&a=1" },
        { "?a=1", "?A=1" },
        { "?a=%2F", "?a=/" },
        { "?a=%00", "?a=" },
        { "?a=%0d%0a", "?a=" },
        { "?", "" },
        { "?a=x|h", "?a=x" },
        { "?a=1", "?a=1&" },
    };

    [Theory]
    [MemberData(nameof(DistinctQueries))]
    public void Build_VaryByWholeQuery_DistinctRawQueriesGetDistinctKeys(string left, string right)
    {
        var policy = Policy();

        Assert.NotEqual(Key(Request(query: left), policy), Key(Request(query: right), policy));
    }

    [Theory]
    [InlineData("?a=1,2", "?a=1&a=2")]
    [InlineData("?a=1&a=2", "?a=2&a=1")]
    [InlineData("?a=1;b=2", "?a=1")]
    [InlineData("?a=%26b%3D2", "?a=&b=2")]
    [InlineData("?a=", "")]
    [InlineData("?a=%00", "?a=")]
    public void Build_VaryByListedKeys_DistinctValuesGetDistinctKeys(string left, string right)
    {
        var policy = Policy(query: ["a", "b"]);

        Assert.NotEqual(Key(Request(query: left), policy), Key(Request(query: right), policy));
    }

    [Theory]
    [InlineData("?a=1&utm=x", "?a=1")]
    [InlineData("?A=1", "?a=1")]
    [InlineData("?b=2&a=1", "?a=1&b=2")]
    public void Build_VaryByListedKeys_EquivalentForTheApplicationShareAKey(string left, string right)
    {
        // Request.Query matches keys case-insensitively and ignores order and unlisted keys: what the app reads is equal.
        var policy = Policy(query: ["a", "b"]);

        Assert.Equal(Key(Request(query: left), policy), Key(Request(query: right), policy));
    }

    [Fact]
    public void Build_HeaderValuesThatLookLikeOtherParts_DoNotCollide()
    {
        var policy = Policy(headers: ["X-A", "X-B"]);
        var injected = Request(headers: [("X-A", "1&x-b=2")]);
        var honest = Request(headers: [("X-A", "1"), ("X-B", "2")]);
        var empty = Request(headers: [("X-A", "")]);
        var absent = Request();
        var twoValues = Request(headers: [("X-A", new StringValues(["1", "2"]))]);
        var joined = Request(headers: [("X-A", "1,2")]);

        Assert.NotEqual(Key(injected, policy), Key(honest, policy));
        Assert.NotEqual(Key(empty, policy), Key(absent, policy));
        Assert.NotEqual(Key(twoValues, policy), Key(joined, policy));
    }

    [Fact]
    public void Build_RouteValues_AbsentNullAndEmptyAndSeparatorsAreDistinct()
    {
        var policy = Policy(routes: ["id", "slug"]);
        var keys = new[]
        {
            Key(Request(), policy),
            Key(Request(routes: [("id", "")]), policy),
            Key(Request(routes: [("id", "1&slug=x")]), policy),
            Key(Request(routes: [("id", "1"), ("slug", "x")]), policy),
            Key(Request(routes: [("id", 1)]), policy),
        };

        Assert.Equal(4, keys.Take(4).Distinct().Count());
        Assert.Equal(keys[4], Key(Request(routes: [("id", "1")]), policy)); // 1 and "1" are the same value as the app reads it
    }

    [Theory]
    [InlineData("/a%2Fb", "/a/b")]
    [InlineData("/a b", "/a%20b")]
    [InlineData("/A", "/a")]
    [InlineData("/\u00e9", "/%u00E9")]
    [InlineData("/x|q*", "/x")]
    [InlineData("/account/x.css", "/account")]
    [InlineData("/a\r\nb", "/ab")]
    [InlineData("/a\0", "/a")]
    public void Build_DistinctPaths_GetDistinctKeys(string left, string right)
    {
        var policy = Policy();

        Assert.NotEqual(Key(Request(path: left), policy), Key(Request(path: right), policy));
    }

    [Fact]
    public void Build_PathsWithDifferentLoneSurrogates_GetDistinctKeys()
    {
        // Not a theory: xunit would turn lone surrogates into U+FFFD while serializing the cases.
        var policy = Policy();

        Assert.NotEqual(Key(Request(path: "/\ud800"), policy), Key(Request(path: "/\ud801"), policy));
        Assert.NotEqual(Key(Request(path: "/\ud800"), policy), Key(Request(path: "/\ufffd"), policy));
    }

    [Theory]
    [InlineData("localhost", "localhost:80")]
    [InlineData("localhost:8080", "localhost:80")]
    [InlineData("localhost:08080", "localhost:8080")]
    [InlineData("Localhost", "localhost")]
    [InlineData("evil.example", "localhost")]
    public void Build_DistinctHosts_GetDistinctKeys(string left, string right)
    {
        var policy = Policy();

        Assert.NotEqual(Key(Request(host: left), policy), Key(Request(host: right), policy));
    }

    [Fact]
    public void Build_SchemeAndPathBaseAndPathSplit_AreDistinct()
    {
        var policy = Policy();

        Assert.NotEqual(Key(Request(scheme: "https"), policy), Key(Request(scheme: "http"), policy));
        Assert.NotEqual(Key(Request(pathBase: "/a", path: "/b"), policy), Key(Request(pathBase: string.Empty, path: "/a/b"), policy));
    }

    [Fact]
    public void Build_RandomRequests_NoTwoDistinctRequestsShareAKey()
    {
        // Parts drawn from a tiny alphabet full of separators and escape look-alikes, so near-collisions are frequent.
        var alphabet = new[] { "|", "&", "=", ",", "!", "%", "u", "2", "F", "0", "a", "/", "?", " ", "\u00e9", "\ud800", "\n", "%25", "q*", "h" };
        var random = new Random(20260301);
        var listed = Policy(query: ["a", "b"], headers: ["x-h"], routes: ["r"], user: true);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            string Part() => string.Concat(Enumerable.Range(0, random.Next(0, 4)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            var path = "/" + Part();
            var pathBase = random.Next(3) == 0 ? "/" + Part() : string.Empty;
            var host = "h" + Part().Replace("\n", string.Empty, StringComparison.Ordinal);
            var header = Part();
            var route = Part();
            var user = random.Next(3) switch { 0 => null, 1 => string.Empty, _ => Part() };
            var context = Request(path: path, pathBase: pathBase, host: host, headers: [("x-h", header)], routes: [("r", route)]);
            var identity = string.Join("\u0001", path, pathBase, host, header, route, user ?? "\u0002null");

            var key = Key(context, listed, user == string.Empty ? string.Empty : user is null ? null : user);

            Assert.DoesNotContain(key, c => c is < '!' or > '~');
            if (seen.TryGetValue(key, out var previous))
            {
                Assert.Equal(previous, identity);
            }
            else
            {
                seen[key] = identity;
            }
        }
    }

    [Fact]
    public void Build_LongRequest_IsHashedToAFixedLengthWithinTheEngineLimit()
    {
        var policy = Policy();
        var longQuery = "?q=" + new string('x', 5000);

        var key = ResponseCacheKey.Build(Request(query: longQuery), policy, null, null, ResponseCacheKey.HashThreshold(1024));
        var other = ResponseCacheKey.Build(Request(query: longQuery + "y"), policy, null, null, ResponseCacheKey.HashThreshold(1024));
        var again = ResponseCacheKey.Build(Request(query: longQuery), policy, null, null, ResponseCacheKey.HashThreshold(1024));
        var shortKey = ResponseCacheKey.Build(Request(query: "?q=1"), policy, null, null, ResponseCacheKey.HashThreshold(1024));

        Assert.StartsWith(ResponseCacheKey.HashedPrefix, key);
        Assert.Equal(ResponseCacheKey.HashedLength, key.Length);
        Assert.NotEqual(key, other);
        Assert.Equal(key, again);
        Assert.StartsWith(ResponseCacheKey.Prefix, shortKey);
        Assert.EndsWith("|q*?q%3D1|h|r|u-", shortKey);
    }

    [Fact]
    public void Hash_UserId_NeverAppearsInTheKeyAndDependsOnTheSecret()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "alice-1234")], "Test"));
        var hash = new UserKeyHasher(null).Hash(principal)!;
        var otherSecret = new UserKeyHasher("shared-secret").Hash(principal)!;
        var bob = new UserKeyHasher(null).Hash(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "bob")], "Test")))!;

        var key = Key(Request(), Policy(user: true), hash);

        Assert.DoesNotContain("alice", key, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1234", key, StringComparison.Ordinal);
        Assert.NotEqual(hash, otherSecret);
        Assert.NotEqual(hash, bob);
        Assert.Null(new UserKeyHasher(null).Hash(new ClaimsPrincipal(new ClaimsIdentity([], "Test"))));
    }

    [Fact]
    public void Hash_SameIdValueFromAnotherClaimTypeOrIssuer_IsAnotherUser()
    {
        // An API-key holder who picks the name "42" is not the cookie user whose NameIdentifier is 42, and two external
        // login providers' id 42 are two people.
        var hasher = new UserKeyHasher(null);
        var nameId = hasher.Hash(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42")], "Cookies")));
        var name = hasher.Hash(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "42")], "ApiKey")));
        var google = hasher.Hash(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "42", ClaimValueTypes.String, "https://accounts.google.com")], "Google")));
        var github = hasher.Hash(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "42", ClaimValueTypes.String, "https://github.com")], "GitHub")));

        Assert.Equal(4, new[] { nameId, name, google, github }.Distinct().Count());
        Assert.All(new[] { nameId, name, google, github }, Assert.NotNull);
    }

    [Fact]
    public void Hash_IdOnAnUnauthenticatedIdentityOnly_IsNoUser()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42")]));

        Assert.False(principal.Identity!.IsAuthenticated);
        Assert.Null(new UserKeyHasher(null).Hash(principal));
    }

    [Fact]
    public void Build_UserParts_NoVaryAnonymousAndUserAreDistinct()
    {
        var varying = Policy(user: true);
        var plain = Policy();

        var anonymous = Key(Request(), varying, string.Empty);
        var named = Key(Request(), varying, "abc");
        var notVarying = Key(Request(), plain);

        Assert.Equal(3, new[] { anonymous, named, notVarying }.Distinct().Count());
    }

    [Theory]
    [InlineData("gzip, br", "br,gzip", true)]
    [InlineData("BR , gzip", "br,gzip", true)]
    [InlineData("gzip", "gzip,gzip", true)]
    [InlineData("gzip;q=0", "gzip", false)]
    [InlineData("gzip; q=0.5", "gzip;q=0.5", true)]
    [InlineData("", "identity", false)]
    public void NormalizeAcceptEncoding_EquivalentFormsMatch(string left, string right, bool equal)
    {
        var a = ResponseCacheKey.NormalizeAcceptEncoding(left);
        var b = ResponseCacheKey.NormalizeAcceptEncoding(right);

        Assert.Equal(equal, a == b);
    }

    [Fact]
    public void Build_DocumentedExamples_ProduceTheDocumentedKeys()
    {
        // The examples of docs/response-caching.md, byte for byte.
        var all = Key(Request(host: "shop.example:8080", path: "/api/products/42", query: "?sort=price&page=2"), Policy());
        var listed = Key(
            Request(host: "shop.example", scheme: "https", path: "/api/products", query: "?page=2&utm=x", headers: [("Accept-Language", "de, en;q=0.5")]),
            Policy(query: ["page", "sort"], headers: ["Accept-Language"]));
        var secondLevel = Key(Request(path: "/té st"), Policy(user: true), user: string.Empty, encoding: "br,gzip");

        Assert.Equal("rc:v1|GET|http|shop.example:8080||/api/products/42|q*?sort%3Dprice%26page%3D2|h|r|u-", all);
        Assert.Equal("rc:v1|GET|https|shop.example||/api/products|qlpage=2&sort!|haccept-language=de%2C%20en;q%3D0.5|r|u-", listed);
        Assert.Equal("rc:v1|GET|http|localhost||/t%u00E9%20st|q*|h|r|u0|ebr%2Cgzip", secondLevel);
    }

    [Fact]
    public void Build_SecondLevelKey_DiffersFromPrimaryAndByEncoding()
    {
        var policy = Policy();
        var context = Request();

        var primary = Key(context, policy);
        var gzip = Key(context, policy, encoding: "gzip");
        var none = Key(context, policy, encoding: string.Empty);

        Assert.Equal(3, new[] { primary, gzip, none }.Distinct().Count());
    }
}

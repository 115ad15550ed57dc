namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>Locates the <c>redis-server</c> binary; a missing server is an error, never a skip.</summary>
internal static class RedisExecutable
{
    public const string InstallHint =
        "redis-server was not found on PATH. Tests that need Redis start a real redis-server and are never skipped. " +
        "Install it with 'apt-get install -y redis-server' (Debian/Ubuntu; prefix with sudo when not root), " +
        "or run ./test.sh from the repository root, which installs it and then runs the whole test suite.";

    public static string Resolve() => Resolve(Environment.GetEnvironmentVariable("PATH"));

    public static string Resolve(string? pathVariable)
    {
        foreach (var directory in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(InstallHint);
    }
}

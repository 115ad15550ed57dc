using BenchmarkDotNet.Configs;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// BenchmarkDotNet builds a project per run and gives up after 2 minutes by default; on a 2-core machine shared with
/// other builds that build alone can take longer (it happened: every row came out NA). Ten minutes instead.
/// </summary>
public class PatientBuildConfig : ManualConfig
{
    public PatientBuildConfig() => WithBuildTimeout(TimeSpan.FromMinutes(10));
}

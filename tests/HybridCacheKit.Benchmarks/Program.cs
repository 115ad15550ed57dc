using BenchmarkDotNet.Running;
using HybridCacheKit.Benchmarks.Redis;

// Pass BenchmarkDotNet's own switches, e.g.
//   dotnet run -c Release --project tests/HybridCacheKit.Benchmarks -- --filter '*EngineBenchmarks*' --job short
// or --redis-l2-probe for the interleaved L2-hit measurement (Redis/RedisL2HitProbe.cs).
if (args.Length > 0 && args[0] == RedisL2HitProbe.Switch)
{
    return RedisL2HitProbe.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

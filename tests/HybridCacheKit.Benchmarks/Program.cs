using BenchmarkDotNet.Running;

// Pass BenchmarkDotNet's own switches, e.g.
//   dotnet run -c Release --project tests/HybridCacheKit.Benchmarks -- --filter '*EngineBenchmarks*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

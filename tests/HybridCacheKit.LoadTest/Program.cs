using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Orchestration;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var mainEntered = Orchestration.ColdStartChild.UnixNowNs();
        LoadTestOptions options;
        try
        {
            options = LoadTestOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadTestOptions.Usage);
            return 0;
        }

        try
        {
            switch (options.Child)
            {
                case null:
                {
                    using var signals = new ShutdownSignals();
                    var exit = await Orchestrator.RunAsync(options, Console.Out, signals.Token).ConfigureAwait(false);
                    return signals.ExitCode ?? exit;
                }

                case "engine" or "raw" or "rawtx" or "twotier":
                {
                    using var signals = new ShutdownSignals();
                    try
                    {
                        var result = await ServiceModeRunner.RunAsync(options.Child, options, Console.Error, signals.Token).ConfigureAwait(false);
                        await WriteResultAsync(options, result).ConfigureAwait(false);
                        return 0;
                    }
                    catch (OperationCanceledException) when (signals.ExitCode is { } code)
                    {
                        return code;
                    }
                }

                case "coldstart":
                    return await ColdStartChild.RunAsync(options, mainEntered).ConfigureAwait(false);
                case "http-server":
                    await using (var redis = options.Redis is null ? await Redis.RedisLauncher.StartAsync(options.Cluster, Console.Error).ConfigureAwait(false) : null)
                    {
                        var app = Http.HttpApp.Build(options, options.Redis ?? redis!.Configuration, options.Port);
                        await app.RunAsync().ConfigureAwait(false);
                    }

                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"error: unknown --child '{options.Child}'.").ConfigureAwait(false);
                    return 2;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task WriteResultAsync(LoadTestOptions options, ModeResult result)
    {
        var json = JsonSerializer.Serialize(result, LoadTestJson.Default.ModeResult);
        if (options.ResultFile is { } file)
        {
            await File.WriteAllTextAsync(file, json).ConfigureAwait(false);
        }
        else
        {
            Console.WriteLine(json);
        }
    }
}

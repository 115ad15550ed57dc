using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Packaging;

/// <summary>
/// The package's buildTransitive .targets turns the reflection fallback off in apps that publish trimmed or native AOT.
/// Checked with the real SDK: MSBuild evaluates a throwaway app that imports the file where NuGet does (after the
/// project body), and the package built by <c>dotnet pack</c> carries the file.
/// </summary>
public sealed class TrimmingTargetsTests : IDisposable
{
    private const string Switch = "HybridCacheKit.Serialization.MessagePack.IsReflectionEnabled";
    private const string TargetsName = "HybridCacheKit.Serialization.MessagePack.targets";

    private readonly string _directory = Directory.CreateTempSubdirectory("hck-trim-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("-p:PublishTrimmed=true", "false")]
    [InlineData("-p:PublishAot=true", "false")]
    [InlineData("", null)]
    [InlineData("-p:PublishTrimmed=true -p:HybridCacheKitMessagePackReflectionInTrimmedApps=true", null)]
    public async Task Targets_AppPublishingTrimmedOrAot_SwitchOff(string properties, string? expected)
    {
        var values = await SwitchValuesAsync(properties, appItem: null);

        Assert.Equal(expected is null ? [] : [expected], values);
    }

    [Fact]
    public async Task Targets_AppThatSetsTheSwitchItself_KeepsItsValue()
    {
        var values = await SwitchValuesAsync("-p:PublishTrimmed=true", appItem: "true");

        Assert.Equal(["true"], values);
    }

    [Fact]
    public async Task Pack_Package_CarriesTheTargetsUnderBuildTransitive()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "HybridCacheKit.Serialization.MessagePack");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif

        await DotnetAsync($"pack \"{project}\" -c {configuration} --no-build -o \"{_directory}\"");

        using var package = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(_directory, "HybridCacheKit.Serialization.MessagePack.*.nupkg")));
        var entry = package.GetEntry("buildTransitive/" + TargetsName);
        Assert.NotNull(entry);
        using var reader = new StreamReader(entry.Open());
        Assert.Equal(await File.ReadAllTextAsync(TargetsPath()), await reader.ReadToEndAsync());
    }

    /// <summary>The values of the switch's RuntimeHostConfigurationOption items in a throwaway app, as MSBuild evaluates it.</summary>
    private async Task<string[]> SwitchValuesAsync(string properties, string? appItem)
    {
        var own = appItem is null ? string.Empty : $"""<ItemGroup><RuntimeHostConfigurationOption Include="{Switch}" Value="{appItem}" Trim="true" /></ItemGroup>""";
        var project = Path.Combine(_directory, "app.csproj");
        await File.WriteAllTextAsync(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              {own}
              <Import Project="{TargetsPath()}" />
            </Project>
            """);

        var output = await DotnetAsync($"msbuild \"{project}\" -getItem:RuntimeHostConfigurationOption {properties}");
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Items").TryGetProperty("RuntimeHostConfigurationOption", out var items)
            ? [.. items.EnumerateArray().Where(i => i.GetProperty("Identity").GetString() == Switch).Select(i => i.GetProperty("Value").GetString()!)]
            : [];
    }

    private static string TargetsPath() => Path.Combine(RepositoryRoot(), "src", "HybridCacheKit.Serialization.MessagePack", "buildTransitive", TargetsName);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HybridCacheKit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("HybridCacheKit.sln was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<string> DotnetAsync(string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"dotnet {arguments} failed ({process.ExitCode}): {output}\n{await stderr}");
        return output;
    }
}

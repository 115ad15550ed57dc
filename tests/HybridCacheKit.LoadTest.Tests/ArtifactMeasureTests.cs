using HybridCacheKit.LoadTest.Orchestration;

namespace HybridCacheKit.LoadTest.Tests;

public sealed class ArtifactMeasureTests
{
    [Fact]
    public void Measure_PublishFolderWithSymbolsAndDocs_CountsOnlyWhatRuns()
    {
        var folder = Directory.CreateTempSubdirectory("hck-loadtest-measure-").FullName;
        try
        {
            Write("HybridCacheKit.LoadTest", 1_000);
            Write("HybridCacheKit.LoadTest.dll", 300);
            Write("HybridCacheKit.LoadTest.pdb", 70_000);
            Write("HybridCacheKit.dll", 200);
            Write("HybridCacheKit.xml", 50_000);
            Write("HybridCacheKit.LoadTest.runtimeconfig.json", 40);
            Write("settings.xml", 7); // no HybridCacheKit-style .dll beside it: not documentation, counted
            Write(Path.Combine("native", "HybridCacheKit.LoadTest.dbg"), 90_000);

            var (bytes, files) = ArtifactMode.Measure(folder);

            Assert.Equal(1_000 + 300 + 200 + 40 + 7, bytes);
            Assert.Equal(5, files);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        void Write(string name, int length)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, new byte[length]);
        }
    }
}

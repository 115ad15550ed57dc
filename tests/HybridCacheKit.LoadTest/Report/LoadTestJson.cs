using System.Text.Json;
using System.Text.Json.Serialization;

namespace HybridCacheKit.LoadTest.Report;

/// <summary>
/// Every JSON document the tool writes or reads (a mode's result, results.json, the cold-start child's line, the HTTP
/// app's /stats), source-generated: the tool is also published as a Native AOT executable, where reflection-based
/// serialization is not available.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ModeResult))]
[JsonSerializable(typeof(ReportDocument))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class LoadTestJson : JsonSerializerContext;

/// <summary>results.json: the run's measurements, as the report was written from them.</summary>
internal sealed record ReportDocument(
    List<ModeResult> Results,
    ArtifactResult? Artifact,
    NativeAotArtifact? NativeAot,
    ColdStartResult? ColdStart,
    ColdStartResult? ColdStartNativeAot,
    HttpResult? Http,
    List<string> Failures,
    List<string> Notes,
    double[]? LoadAverageStart,
    double[]? LoadAverageEnd);

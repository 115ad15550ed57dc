using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>Operations per second, derived from the mean time per operation (BenchmarkDotNet divides by OperationsPerInvoke).</summary>
public sealed class OpsPerSecondColumn : IColumn
{
    public string Id => nameof(OpsPerSecondColumn);

    public string ColumnName => "Ops/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Operations per second (1 s / Mean)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        => summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } stats
            ? (1e9 / stats.Mean).ToString("N0", CultureInfo.InvariantCulture)
            : "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    /// <summary>Adds the column to a benchmark class: <c>[Config(typeof(OpsPerSecondColumn.Config))]</c> (with the patient build timeout).</summary>
    public sealed class Config : PatientBuildConfig
    {
        public Config() => AddColumn(new OpsPerSecondColumn());
    }
}

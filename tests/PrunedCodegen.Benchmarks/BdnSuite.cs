using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>
    /// The BenchmarkDotNet suite: one benchmark per (case = model:implementation, batch). In-process (the models are
    /// compiled into this assembly; a generated BDN project would recompile them), with the memory diagnoser and
    /// columns for the ratios against ORT and our own dense code and the percentage of the FMA peak.
    /// </summary>
    [Config(typeof(BdnConfig))]
    public class InferenceBenchmarks
    {
        /// <summary>Restricts <see cref="Cases"/> (set from --cases before the run).</summary>
        public static Regex? CaseFilter { get; set; }

        public static IEnumerable<string> Cases() =>
            Catalog.Models.SelectMany(m => Implementations.Names(m).Select(n => m.Name + ":" + n))
                .Where(c => CaseFilter == null || CaseFilter.IsMatch(c));

        [ParamsSource(nameof(Cases))]
        public string Case { get; set; } = "";

        /// <summary>The batch sizes (from --batches before the run; 1 and 64 by default).</summary>
        public static int[] BatchSizes { get; set; } = { 1, 64 };

        public static IEnumerable<int> Batches() => BatchSizes;

        [ParamsSource(nameof(Batches))]
        public int Batch { get; set; }

        private Inference? _impl;

        [GlobalSetup]
        public void Setup()
        {
            var (model, impl) = Split(Case);
            var m = Catalog.Get(model);
            _impl = Implementations.Create(m, impl, Batch);
            // Checked against ONNX Runtime before it is measured, as in quick mode (throws: BDN reports the case as failed).
            Oracle.Check(_impl, Oracle.Reference(m, Batch));
        }

        /// <summary>One call: one inference at batch 1, one whole batch at 64.</summary>
        [Benchmark]
        public void Inference() => _impl!.Run();

        [GlobalCleanup]
        public void Cleanup()
        {
            _impl?.Dispose();
            _impl = null;
        }

        public static (string Model, string Impl) Split(string c)
        {
            int i = c.IndexOf(':');
            return (c.Substring(0, i), c.Substring(i + 1));
        }
    }

    public sealed class BdnConfig : ManualConfig
    {
        /// <summary>Set by Program from the calibration run before BDN starts.</summary>
        public static double PeakFmaPerSecond { get; set; } = double.NaN;

        public BdnConfig()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(4)
                .WithIterationCount(15)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
                .WithId("InProcess"));
            WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(StatisticColumn.Median, StatisticColumn.Q1, StatisticColumn.Q3);
            AddColumn(new DerivedColumn("VsOrt", "speed-up over ORT one thread (ORT ns / ns)", DerivedColumn.Kind.VsOrt));
            AddColumn(new DerivedColumn("VsDense", "speed-up over pcg-auto on the unpruned model", DerivedColumn.Kind.VsDense));
            AddColumn(new DerivedColumn("PctPeak", "useful multiply-adds per second, % of the single-core FMA peak", DerivedColumn.Kind.PctOfPeak));
            WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
            WithOptions(ConfigOptions.DisableLogFile);
        }
    }

    /// <summary>Converts a BDN summary into the same measurements quick mode produces.</summary>
    public static class BdnResults
    {
        public static List<Measurement> FromSummary(Summary summary, double peakFmaPerSecond)
        {
            var list = new List<Measurement>();
            foreach (var report in summary.Reports)
            {
                var bc = report.BenchmarkCase;
                var (model, impl) = InferenceBenchmarks.Split((string)bc.Parameters["Case"]);
                int batch = (int)bc.Parameters["Batch"];
                var stats = report.ResultStatistics;
                list.Add(new Measurement
                {
                    Model = Catalog.Get(model),
                    Implementation = impl,
                    Batch = batch,
                    NsMedian = stats?.Median ?? double.NaN,
                    NsQ1 = stats?.Q1 ?? double.NaN,
                    NsQ3 = stats?.Q3 ?? double.NaN,
                    AllocatedBytes = report.GcStats.GetBytesAllocatedPerOperation(bc) ?? double.NaN,
                    Threads = impl == Implementations.OrtDefault ? Environment.ProcessorCount : 1,
                    Rounds = stats?.N ?? 0,
                    Error = stats == null ? "no result (see the BDN log)" : null,
                });
            }
            Report.Derive(list, peakFmaPerSecond);
            return list;
        }
    }

    /// <summary>A summary column computed from the other reports of the same run.</summary>
    public sealed class DerivedColumn : IColumn
    {
        public enum Kind { VsOrt, VsDense, PctOfPeak }

        private readonly Kind _kind;

        public DerivedColumn(string name, string legend, Kind kind)
        {
            Id = "Pcg" + name;
            ColumnName = name;
            Legend = legend;
            _kind = kind;
        }

        public string Id { get; }
        public string ColumnName { get; }
        public string Legend { get; }
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => (int)_kind;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var (model, impl) = InferenceBenchmarks.Split((string)benchmarkCase.Parameters["Case"]);
            int batch = (int)benchmarkCase.Parameters["Batch"];
            double? own = Median(summary, model, impl, batch);
            if (own == null) return "-";
            var m = Catalog.Get(model);
            double? value = _kind switch
            {
                Kind.VsOrt => Median(summary, model, Implementations.Ort, batch) / own,
                Kind.VsDense => Median(summary, m.DenseRef, Implementations.PcgAuto, batch) / own,
                _ => 100.0 * m.MultiplyAdds * batch / (own.Value * 1e-9) / BdnConfig.PeakFmaPerSecond,
            };
            if (value is not double v || double.IsNaN(v)) return "-";
            return _kind == Kind.PctOfPeak ? v.ToString("0.0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture) + "x";
        }

        private static double? Median(Summary summary, string model, string impl, int batch)
        {
            string key = model + ":" + impl;
            var r = summary.Reports.FirstOrDefault(x => (string)x.BenchmarkCase.Parameters["Case"] == key && (int)x.BenchmarkCase.Parameters["Batch"] == batch);
            return r?.ResultStatistics?.Median;
        }
    }
}

using System;
using System.Diagnostics;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Fuzz
{
    /// <summary>
    /// What the fuzzer checks for one input: arbitrary bytes go through <see cref="OnnxReader"/> and then the whole
    /// <see cref="ModelCompiler"/> pipeline (once per kernel choice when the model compiles). Any of these is a bug and
    /// throws <see cref="FuzzFinding"/> (or lets the offending exception escape), which the fuzzer records as a crash:
    /// an exception other than <see cref="OnnxFormatException"/> from the reader; a PCG0099 internal error; a result
    /// that is neither source nor an error diagnostic; generated source with anything but printable ASCII and
    /// newlines (model text must be escaped); allocating more than <see cref="AllocationBudget"/>; taking longer
    /// than <see cref="TimeBudget"/>. Shared with the test suite, which replays the committed corpus through it.
    /// </summary>
    public static class FuzzTarget
    {
        /// <summary>Bytes any input may allocate, whatever its size (the emitter's text buffers, the kernel choices).</summary>
        public const long FixedAllocationBytes = 64L * 1024 * 1024;

        /// <summary>
        /// Further bytes per input byte, for the four compiles: a weight (4 bytes in the file) becomes about 15 chars of
        /// C#; a graph output (about 40 bytes) becomes about 1.2 KB of parameters, constants and checks (10,000 outputs
        /// allocate about 1.5 KB per input byte in all).
        /// </summary>
        public const long AllocationBytesPerInputByte = 2048;

        /// <summary>Wall-clock budget for one input (the fuzzer's own hang timeout is set a little above it).</summary>
        public static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(4);

        public static long AllocationBudget(int inputLength) => FixedAllocationBytes + AllocationBytesPerInputByte * inputLength;

        private static readonly KernelChoice[] ForcedKernels = { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse };

        /// <summary>Runs one input; returns the outcome ("ok" or the first error id) for statistics.</summary>
        public static string Run(byte[] data)
        {
            var clock = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();

            try
            {
                OnnxReader.Read(data);
            }
            catch (OnnxFormatException)
            {
                // The reader's only way to refuse input.
            }

            string outcome = Check(ModelCompiler.Compile(data, new CompileOptions("FuzzModel", "Fuzz", "fuzz.onnx")));
            if (outcome == "ok")
                foreach (var kernel in ForcedKernels)
                    Check(ModelCompiler.Compile(data, new CompileOptions("FuzzModel", "Fuzz", "fuzz.onnx") { Kernel = kernel }));

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > AllocationBudget(data.Length))
                throw new FuzzFinding($"allocated {allocated} bytes for a {data.Length}-byte input; the budget is {AllocationBudget(data.Length)}");
            if (clock.Elapsed > TimeBudget)
                throw new FuzzFinding($"took {clock.Elapsed.TotalSeconds:0.0} s for a {data.Length}-byte input; the budget is {TimeBudget.TotalSeconds} s");
            return outcome;
        }

        private static string Check(CompileResult result)
        {
            PcgDiagnostic? error = null;
            foreach (var d in result.Diagnostics)
            {
                if (d.Id == DiagnosticIds.InternalError)
                    throw new FuzzFinding("internal error: " + d.Message);
                if (!d.Id.StartsWith("PCG", StringComparison.Ordinal) || d.Message.Length == 0)
                    throw new FuzzFinding("a diagnostic without a PCG id or message: " + d);
                if (d.Severity == PcgSeverity.Error && error == null)
                    error = d;
            }
            if (result.Succeeded == (error != null))
                throw new FuzzFinding(result.Succeeded ? "source together with an error diagnostic: " + error : "no source and no error diagnostic");
            if (error != null)
                return error.Id;

            string source = result.Source!;
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                if (c != '\n' && (c < ' ' || c > '~'))
                    throw new FuzzFinding($"generated source has the raw character U+{(int)c:X4} at offset {i}");
            }
            return "ok";
        }
    }

    /// <summary>A violated rule of <see cref="FuzzTarget"/>: the input that caused it is a bug to fix.</summary>
    public sealed class FuzzFinding : Exception
    {
        public FuzzFinding(string message) : base(message) { }
    }
}

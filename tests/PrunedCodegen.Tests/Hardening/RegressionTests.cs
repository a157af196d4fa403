using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PrunedCodegen.Emitting;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>Bugs found while hardening, each pinned by the smallest model that showed it (inputs also in tests/fuzz-corpus/regressions).</summary>
    public class RegressionTests
    {
        [Fact]
        public void A_graph_output_made_by_Add_keeps_its_own_name()
        {
            // Was: the output of Add/Sub/Mul/Div was named after operand A, so OutputNames said "x" and Predict's
            // parameter was "x2".
            var onnx = new ModelBuilder().Input("x", null, 4).Output("sum", null, 4).Node("Add", new[] { "x", "x" }, new[] { "sum" }).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.Contains("public static void Predict(ReadOnlySpan<float> x, Span<float> sum)", result.Source);
            var model = CompiledModel.Load(onnx);
            Assert.Equal(new[] { "sum" }, model.OutputNames);
            Assert.Equal(new float[] { 2, -4, 0, 6 }, model.Predict(new float[] { 1, -2, 0, 3 })[0]);
        }

        [Fact]
        public void Ten_thousand_names_that_sanitise_alike_cost_linear_time()
        {
            // Was: each colliding name tried every suffix from 2 up, so 10,000 outputs named "o" + a non-ASCII letter
            // (all "o" once sanitised) allocated 28 GB across the fuzz target's four compiles. Such a model is now
            // refused before emission (ModelLimits.MaxInputsAndOutputs), so the name scope is checked on its own.
            var names = new UniqueNames("scratch");
            var clock = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var taken = new string[10_000];
            for (int i = 0; i < taken.Length; i++)
                taken[i] = names.Take(Identifiers.Camel("o" + (char)(0x100 + i), "output"));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal("o", taken[0]);
            Assert.Equal("o2", taken[1]);
            Assert.Equal("o10000", taken[9_999]);
            Assert.Equal(taken.Length, new HashSet<string>(taken).Count);
            Assert.True(allocated < 8L * 1024 * 1024, $"allocated {allocated} bytes");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }
    }
}

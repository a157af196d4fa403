using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    internal sealed partial class ModelEmitter
    {
        private void EmitBatchScratch()
        {
            // 16 spare floats: the scratch is sliced to a 64-byte boundary, so that every 16 lanes of a feature (64 bytes) are
            // one cache line for the batch kernels' vector loads and stores (pinned when on the heap, so that it stays there).
            if (_batch!.GroupScratchLength + 16 <= MaxStackScratch)
                _w.Line($"Span<float> scratchT = {K}.Align64(stackalloc float[{I(_batch.GroupScratchLength + 16)}]);");
            else
                _w.Line($"Span<float> scratchT = {K}.Align64(t_batchScratch ??= global::System.GC.AllocateArray<float>({I(_batch.GroupScratchLength + 16)}, pinned: true));");
        }

        private void EmitRunBatch()
        {
            var b = _batch!;
            if (b.GroupScratchLength + 16 > MaxStackScratch)
            {
                _w.Line("[ThreadStatic] private static float[]? t_batchScratch;");
                _w.Line();
            }
            string x = _inputParams[0], y = _outputParams[0];
            _w.Line($"/// <summary>Samples up to {I(BatchPlan.Group)} at a time, feature-major ([features][lanes], lanes = the group's samples rounded up to 16): transpose in, every layer's batch kernel, transpose out.</summary>");
            _w.Open($"private static void Run_Batch(ReadOnlySpan<float> {x}, Span<{OutputElementType(0)}> {y}, int batch, Span<float> scratchT)");
            _w.Open($"for (int group = 0; group < batch; group += {I(BatchPlan.Group)})");
            _w.Line($"int count = global::System.Math.Min({I(BatchPlan.Group)}, batch - group), lanes = {K}.BatchLanes(count);");
            _w.Line($"{K}.ToBatch({x}.Slice(group * {I(b.InputLength)}, count * {I(b.InputLength)}), count, {I(b.InputLength)}, lanes, {BatchPlace(_graph.Inputs[0])});");
            for (int i = 0; i < b.BatchedOps; i++)
            {
                var op = _graph.Ops[i];
                var input = op is DenseOp d ? d.Input : ((UnaryOp)op).Input;
                _w.Line($"Layer{I(i)}_Batch({BatchPlace(input)}, {BatchPlace(op.Output)}, lanes);");
            }
            if (b.ArgEpilogue is { } arg)
            {
                _w.Line($"// {(arg.Max ? "ArgMax" : "ArgMin")} of each sample's {I(arg.Length)} outputs, read in place from the feature-major result: the class indices.");
                _w.Line($"{K}.ArgReduceBatch({BatchPlace(b.BatchedOutput)}, {y}.Slice(group, count), {I(arg.Length)}, lanes, max: {Bool(arg.Max)}, last: {Bool(arg.SelectLast)});");
            }
            else
                _w.Line($"{K}.FromBatch({BatchPlace(b.BatchedOutput)}, count, {I(b.OutputLength)}, lanes, {y}.Slice(group * {I(b.OutputLength)}, count * {I(b.OutputLength)}));");
            if (b.Epilogue != null)
            {
                _w.Line($"// {(b.Epilogue.Log ? "LogSoftmax" : "Softmax")} per sample, in place in the output.");
                _w.Open("for (int s = 0; s < count; s++)");
                _w.Line($"var o = {y}.Slice((group + s) * {I(b.OutputLength)}, {I(b.OutputLength)});");
                _w.Line($"{K}.Softmax(o, o, 1, {I(b.OutputLength)}, 1, log: {(b.Epilogue.Log ? "true" : "false")});");
                _w.Close();
            }
            _w.Close();
            _w.Close();
            _w.Line();
        }

        /// <summary>
        /// The GEMM micro-kernel's weights, panel by panel: [panels][K][12] with rows past N zero, so that a panel of 12 rows
        /// reads one sequential run (12 weights per input); the order of Kernels.GemmPack.
        /// </summary>
        private void EmitPackedBatchWeights(string name, DenseOp d)
        {
            int rows = KernelPlanner.GemmPanelRows, panels = (d.N + rows - 1) / rows;
            var packed = new float[panels * d.K * rows];
            for (int r = 0; r < d.N; r++)
                for (int c = 0; c < d.K; c++)
                    packed[(r / rows) * d.K * rows + c * rows + r % rows] = d.Weights[r * d.K + c];
            _w.Line($"// All {I(d.N * d.K)} weights packed for the GEMM micro-kernel: [{I(panels)} panels][{I(d.K)} inputs][{I(rows)} rows], zero-padded.");
            EmitFloatData(name, packed);
        }

        /// <summary>Where a value lives in the [features][lanes] scratch of the batch path (every region scales with lanes).</summary>
        private string BatchPlace(IrValue value)
        {
            var b = _batch!;
            var s = _buffers[value];
            return s.Kind switch
            {
                StorageKind.InputParameter => Region(b.ScratchLength, b.InputLength),
                StorageKind.OutputParameter => Region(b.ScratchLength + b.InputLength, b.OutputLength),
                _ => Region(s.Offset, s.Length),
            };
        }

        private static string Region(int offset, int length) =>
            offset == 0 ? $"scratchT.Slice(0, {I(length)} * lanes)" : $"scratchT.Slice({I(offset)} * lanes, {I(length)} * lanes)";

        private void EmitBatchOp(int index, IrOp op)
        {
            string layer = $"Layer{I(index)}";
            _w.Line($"// Layer {I(index)}, one batch group (feature-major [features][lanes]).");
            _w.Open($"private static void {layer}_Batch(ReadOnlySpan<float> xT, Span<float> yT, int lanes)");
            if (op is DenseOp d)
            {
                var plan = _plans[d];
                string bias = d.Bias != null ? $"{layer}_Bias" : "ReadOnlySpan<float>.Empty";
                if (plan.BatchKernel == BatchKernelKind.Dense)
                {
                    // ReLU and Clip are applied as the tile is stored; any other activation runs over the group afterwards.
                    var act = d.Activation;
                    bool fused = act.Kind == ActivationKind.Relu || act.Kind == ActivationKind.Clip;
                    string clamp = act.Kind == ActivationKind.Relu ? $"clamp: true, 0f, {CSharpLiterals.Float(float.PositiveInfinity)}"
                        : act.Kind == ActivationKind.Clip ? $"clamp: true, {CSharpLiterals.Float(act.Min)}, {CSharpLiterals.Float(act.Max)}"
                        : "clamp: false, 0f, 0f";
                    _w.Line($"// GEMM micro-kernel: register tiles of {I(KernelPlanner.GemmPanelRows)} rows x 2 vectors of samples over all {I(plan.Weights)} weights ({Percent(plan.Density)} nonzero), bias{(fused ? $" and {act.Kind}" : "")} fused; cost model per 16 samples: dense {Ns(plan.DenseBatchCostNs)} ns, sparse rows {Ns(plan.SparseBatchCostNs)} ns.");
                    // A layer whose single-sample kernel is dense already holds its weights input-major [K][N]: the micro-kernel
                    // reads that array in place (12 rows at a stride of N) rather than a second, packed copy.
                    // (Not a narrow layer's padded rows: the micro-kernel reads them at a stride of N only.)
                    bool inPlace = (plan.Kernel == KernelKind.DenseSimd || plan.Kernel == KernelKind.DenseSkipZeros) && !plan.DensePadded && d.N >= KernelPlanner.GemmPanelRows;
                    string weights = inPlace ? $"{layer}_Weights" : $"{layer}_Packed";
                    string aStride = inPlace ? I(d.N) : $"{K}.GemmPanelRows";
                    _w.Line($"{K}.Gemm({weights}, {aStride}, {I(d.N)}, {I(d.K)}, xT, lanes, lanes, yT, lanes, {bias}, {clamp});");
                    if (!fused) EmitActivation(d.Activation, "yT");
                    _w.Close();
                    _w.Line();
                    if (!inPlace) EmitPackedBatchWeights($"{layer}_Packed", d);
                }
                else
                {
                    // The CSR arrays of a sparse-rows layer serve both paths; other layers get their own.
                    string prefix = plan.Kernel == KernelKind.SparseRows ? layer : layer + "_Batch";
                    _w.Line($"// CSR batch kernel: each of the {I(plan.Nonzeros)} nonzeros ({Percent(plan.Density)}) is one broadcast times the group's samples; cost model per 16 samples: sparse rows {Ns(plan.SparseBatchCostNs)} ns, dense {Ns(plan.DenseBatchCostNs)} ns.");
                    _w.Line($"{K}.SparseRowsBatch({prefix}_Values, {prefix}_Columns, {prefix}_RowStarts, {bias}, xT, yT, {I(d.K)}, {I(d.N)}, lanes);");
                    EmitActivation(d.Activation, "yT");
                    _w.Close();
                    if (plan.Kernel != KernelKind.SparseRows)
                    {
                        _w.Line();
                        EmitSparseRows(prefix, d, plan);
                    }
                }
            }
            else
            {
                var u = (UnaryOp)op;
                _w.Line("xT.CopyTo(yT);");
                EmitActivation(u.Activation, "yT");
                _w.Close();
            }
            _w.Line();
        }
    }
}

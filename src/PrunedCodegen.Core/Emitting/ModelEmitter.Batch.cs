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
            // 16 spare floats: the scratch is sliced to a 64-byte boundary, so that each 16-sample row (64 bytes) is one
            // cache line for the batch kernels' vector loads and stores (pinned when on the heap, so that it stays there).
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
            _w.Line("/// <summary>Samples 16 at a time: transpose in, every layer's batch kernel, transpose out.</summary>");
            _w.Open($"private static void Run_Batch(ReadOnlySpan<float> {x}, Span<float> {y}, int batch, Span<float> scratchT)");
            _w.Open("for (int group = 0; group < batch; group += 16)");
            _w.Line("int count = global::System.Math.Min(16, batch - group);");
            _w.Line($"{K}.ToBatch({x}.Slice(group * {I(b.InputLength)}, count * {I(b.InputLength)}), count, {I(b.InputLength)}, {BatchPlace(_graph.Inputs[0])});");
            for (int i = 0; i < b.BatchedOps; i++)
            {
                var op = _graph.Ops[i];
                var input = op is DenseOp d ? d.Input : ((UnaryOp)op).Input;
                _w.Line($"Layer{I(i)}_Batch({BatchPlace(input)}, {BatchPlace(op.Output)});");
            }
            _w.Line($"{K}.FromBatch({BatchPlace(b.BatchedOutput)}, count, {I(b.OutputLength)}, {y}.Slice(group * {I(b.OutputLength)}, count * {I(b.OutputLength)}));");
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
        /// The dense batch kernel's weights, tile by tile: [tiles][K][8] with rows past N zero, so that a tile of 8 rows reads
        /// one sequential run (8 weights per input).
        /// </summary>
        private void EmitPackedBatchWeights(string name, DenseOp d)
        {
            int rows = KernelPlanner.DenseBatchRows, tiles = (d.N + rows - 1) / rows;
            var packed = new float[tiles * d.K * rows];
            for (int r = 0; r < d.N; r++)
                for (int c = 0; c < d.K; c++)
                    packed[(r / rows) * d.K * rows + c * rows + r % rows] = d.Weights[r * d.K + c];
            _w.Line($"// All {I(d.N * d.K)} weights packed for the batch kernel: [{I(tiles)} tiles][{I(d.K)} inputs][{I(rows)} rows], zero-padded.");
            EmitFloatData(name, packed);
        }

        /// <summary>Where a value lives in the [features][16] scratch of the batch path.</summary>
        private string BatchPlace(IrValue value)
        {
            var b = _batch!;
            var s = _buffers[value];
            return s.Kind switch
            {
                StorageKind.InputParameter => $"scratchT.Slice({I(b.ScratchLength * 16)}, {I(b.InputLength * 16)})",
                StorageKind.OutputParameter => $"scratchT.Slice({I((b.ScratchLength + b.InputLength) * 16)}, {I(b.OutputLength * 16)})",
                _ => $"scratchT.Slice({I(s.Offset * 16)}, {I(s.Length * 16)})",
            };
        }

        private void EmitBatchOp(int index, IrOp op)
        {
            string layer = $"Layer{I(index)}";
            _w.Line($"// Layer {I(index)}, batch of 16 (feature-major [features][16]).");
            _w.Open($"private static void {layer}_Batch(ReadOnlySpan<float> xT, Span<float> yT)");
            if (op is DenseOp d)
            {
                var plan = _plans[d];
                string bias = d.Bias != null ? $"{layer}_Bias" : "ReadOnlySpan<float>.Empty";
                if (plan.BatchKernel == BatchKernelKind.Dense)
                {
                    // ReLU is applied as the tile is stored; any other activation runs over the group afterwards.
                    bool relu = d.Activation.Kind == ActivationKind.Relu;
                    _w.Line($"// Dense batch kernel: register tiles of {I(KernelPlanner.DenseBatchRows)} rows x 16 samples over all {I(plan.Weights)} weights ({Percent(plan.Density)} nonzero), bias{(relu ? " and ReLU" : "")} fused; cost model per group: dense {Ns(plan.DenseBatchCostNs)} ns, sparse rows {Ns(plan.SparseBatchCostNs)} ns.");
                    // A layer whose single-sample kernel is dense already holds its weights input-major [K][N]: the batch
                    // kernel reads that array in place (8 rows at a stride of N) rather than a second, packed copy.
                    bool inPlace = (plan.Kernel == KernelKind.DenseSimd || plan.Kernel == KernelKind.DenseSkipZeros) && d.N >= KernelPlanner.DenseBatchRows;
                    string weights = inPlace ? $"{layer}_Weights" : $"{layer}_Packed";
                    _w.Line($"{K}.DenseBatch({weights}, packed: {(inPlace ? "false" : "true")}, {bias}, xT, yT, {I(d.K)}, {I(d.N)}, relu: {(relu ? "true" : "false")});");
                    if (!relu) EmitActivation(d.Activation, "yT");
                    _w.Close();
                    _w.Line();
                    if (!inPlace) EmitPackedBatchWeights($"{layer}_Packed", d);
                }
                else
                {
                    // The CSR arrays of a sparse-rows layer serve both paths; other layers get their own.
                    string prefix = plan.Kernel == KernelKind.SparseRows ? layer : layer + "_Batch";
                    _w.Line($"// CSR batch kernel: each of the {I(plan.Nonzeros)} nonzeros ({Percent(plan.Density)}) is one broadcast times 16 samples; cost model per group: sparse rows {Ns(plan.SparseBatchCostNs)} ns, dense {Ns(plan.DenseBatchCostNs)} ns.");
                    _w.Line($"{K}.SparseRowsBatch({prefix}_Values, {prefix}_Columns, {prefix}_RowStarts, {bias}, xT, yT, {I(d.K)}, {I(d.N)});");
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

using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// ArgMax or ArgMin along the middle axis of X viewed as [Outer, Length, Inner]: Y[o, i] = the index j of the largest
    /// (smallest) X[o, j, i], as int64. The first such index, or with SelectLast the last. NaN follows ONNX Runtime
    /// 1.31 (probed): the scan keeps X[o, 0, i] and replaces it only by a value that compares greater (less), or greater
    /// or equal with SelectLast; so a NaN at index 0 wins, and a NaN anywhere else is passed over.
    /// </summary>
    internal sealed class ArgReduceOp : IrOp
    {
        public ArgReduceOp(bool max, bool selectLast, IrValue input, IrValue output, int outer, int length, int inner, string sourceNodes)
            : base(output, sourceNodes)
        {
            Max = max; SelectLast = selectLast; Input = input; Outer = outer; Length = length; Inner = inner;
        }

        public bool Max { get; }
        public bool SelectLast { get; }
        public IrValue Input { get; }
        public int Outer { get; }
        public int Length { get; }
        public int Inner { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }

    /// <summary>
    /// One output of TopK along the middle axis of X viewed as [Outer, Length, Inner]: the K largest (or smallest) values
    /// of each line in order, ties in index order (the lower index first, as ONNX says), or their int64 indices. A TopK
    /// node lowers to one op per output it has (each repeats the selection, which stays in its own output buffer). NaN
    /// ranks after every number either way (ONNX leaves it open; ONNX Runtime 1.31's order with NaN is not consistent).
    /// </summary>
    internal sealed class TopKOp : IrOp
    {
        public TopKOp(bool indices, bool largest, int k, IrValue input, IrValue output, int outer, int length, int inner, string sourceNodes)
            : base(output, sourceNodes)
        {
            Indices = indices; Largest = largest; K = k; Input = input; Outer = outer; Length = length; Inner = inner;
        }

        /// <summary>True: this op writes the indices (int64); false: the values.</summary>
        public bool Indices { get; }
        public bool Largest { get; }
        public int K { get; }
        public IrValue Input { get; }
        public int Outer { get; }
        public int Length { get; }
        public int Inner { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }
}

using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    internal enum ReduceKind { Sum, Mean, Max, Min }

    /// <summary>
    /// Y[o, i] = reduce over j of X[o, j, i] for X viewed as [Outer, Length, Inner]: one axis of a ReduceSum/Mean/Max/Min
    /// (several axes lower to one ReduceOp each; the reductions are all separable).
    /// </summary>
    internal sealed class ReduceOp : IrOp
    {
        public ReduceOp(ReduceKind kind, IrValue input, IrValue output, int outer, int length, int inner, string sourceNodes)
            : base(output, sourceNodes)
        {
            Kind = kind; Input = input; Outer = outer; Length = length; Inner = inner;
        }

        public ReduceKind Kind { get; }
        public IrValue Input { get; }
        public int Outer { get; }
        public int Length { get; }
        public int Inner { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }
}

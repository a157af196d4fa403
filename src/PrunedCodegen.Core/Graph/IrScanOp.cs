using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    internal enum ScanKind
    {
        /// <summary>Running sum along the axis (CumSum), optionally exclusive (each element left out of its own sum) and/or reversed.</summary>
        CumSum,
        /// <summary>1 at the first maximum along the axis, 0 elsewhere (Hardmax).</summary>
        Hardmax,
    }

    /// <summary>
    /// An op along one axis of X viewed as [Outer, Length, Inner] whose every output element depends on the whole line
    /// X[o, :, i]: CumSum and Hardmax. The output has X's shape.
    /// </summary>
    internal sealed class ScanOp : IrOp
    {
        public ScanOp(ScanKind kind, IrValue input, IrValue output, int outer, int length, int inner, bool exclusive, bool reverse, string sourceNodes)
            : base(output, sourceNodes)
        {
            Kind = kind; Input = input; Outer = outer; Length = length; Inner = inner; Exclusive = exclusive; Reverse = reverse;
        }

        public ScanKind Kind { get; }
        public IrValue Input { get; }
        public int Outer { get; }
        public int Length { get; }
        public int Inner { get; }
        public bool Exclusive { get; }
        public bool Reverse { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }
}

using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// Y[i_0, ..., i_r] = X[AxisOffsets[0][i_0] + ... + AxisOffsets[r][i_r]], or <see cref="Fill"/> where any of those
    /// offsets is negative. Each output axis reads one input axis through its own table of element offsets, which is
    /// enough for Transpose (a permuted stride per axis) and Pad (constant: -1 outside, edge: clamped, reflect: mirrored).
    /// </summary>
    internal sealed class GatherOp : IrOp
    {
        public GatherOp(IrValue input, IrValue output, int[][] axisOffsets, float fill, string what, string sourceNodes)
            : base(output, sourceNodes)
        {
            Input = input; AxisOffsets = axisOffsets; Fill = fill; What = what;
        }

        public IrValue Input { get; }

        /// <summary>Per output axis, the input element offset of each index along it (-1: the fill value).</summary>
        public int[][] AxisOffsets { get; }
        public float Fill { get; }

        /// <summary>A runtime scalar that replaces <see cref="Fill"/> (Pad's constant_value given as a graph input), or null.</summary>
        public IrValue? FillInput { get; set; }

        /// <summary>What the gather implements, for the generated comment ("Transpose perm=[0,2,1]", "Pad reflect").</summary>
        public string What { get; }

        public override IEnumerable<IrValue> Inputs
        {
            get
            {
                yield return Input;
                if (FillInput != null) yield return FillInput;
            }
        }
    }

    /// <summary>
    /// Concat: the output viewed as [Outer, sum of the inputs' chunks]; for every outer index, each input's chunk of
    /// <c>ChunkLengths[k]</c> contiguous elements is copied in turn.
    /// </summary>
    internal sealed class ConcatOp : IrOp
    {
        public ConcatOp(IReadOnlyList<IrValue> parts, IrValue output, int outer, int[] chunkLengths, int axis, string sourceNodes)
            : base(output, sourceNodes)
        {
            Parts = parts; Outer = outer; ChunkLengths = chunkLengths; Axis = axis;
        }

        public IReadOnlyList<IrValue> Parts { get; }
        public int Outer { get; }
        public int[] ChunkLengths { get; }
        public int Axis { get; }
        public override IEnumerable<IrValue> Inputs => Parts;
    }
}

using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    /// <summary>Y = Condition ? A : B elementwise, all three broadcast to the output (ONNX Where; the condition is a 1/0 tensor).</summary>
    internal sealed class WhereOp : IrOp
    {
        public WhereOp(IrValue condition, IrValue a, IrValue b, IrValue output, string sourceNodes) : base(output, sourceNodes)
        {
            Condition = condition; A = a; B = b;
        }

        public IrValue Condition { get; }
        public IrValue A { get; }
        public IrValue B { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Condition; yield return A; yield return B; } }
    }
}

using System.Linq;
using PrunedCodegen.Model;

namespace PrunedCodegen.Pruning
{
    /// <summary>Which weights of a layer survive: <see cref="Keep"/> is row-major [outputs][inputs], true = kept.</summary>
    public sealed class LayerMask
    {
        public LayerMask(PrunableLayer layer, bool[] keep)
        {
            Layer = layer;
            Keep = keep;
        }

        public PrunableLayer Layer { get; }
        public bool[] Keep { get; }

        public int Pruned => Keep.Count(k => !k);

        /// <summary>Outputs (neurons) every weight of which is pruned.</summary>
        public int[] DeadOutputs() => Enumerable.Range(0, Layer.Outputs)
            .Where(r => Enumerable.Range(0, Layer.Inputs).All(c => !Keep[r * Layer.Inputs + c])).ToArray();
    }
}

using System;

namespace PrunedCodegen.Pruning
{
    public enum PruningError
    {
        /// <summary>An --exclude name is not a layer of the model.</summary>
        UnknownLayer,
        /// <summary>The sparsity is out of range, or cannot be reached with the pattern and layers given.</summary>
        ImpossibleSparsity,
        /// <summary>The model has nothing this method can prune (no layers, or all excluded).</summary>
        NothingToPrune,
    }

    /// <summary>A pruning request that cannot be carried out; the message says why, in the user's terms.</summary>
    public sealed class PruningException : Exception
    {
        public PruningException(PruningError error, string message) : base(message) => Error = error;

        public PruningError Error { get; }
    }
}

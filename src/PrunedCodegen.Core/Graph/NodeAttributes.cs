using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    /// <summary>Typed access to a node's attributes, with ONNX defaults and precise errors.</summary>
    internal readonly struct NodeAttributes
    {
        private readonly OnnxNode _node;
        private readonly string _where;

        public NodeAttributes(OnnxNode node, string where)
        {
            _node = node;
            _where = where;
        }

        public bool Has(string name) => Find(name) != null;

        public float Float(string name, float fallback)
        {
            var a = Find(name);
            if (a == null) return fallback;
            if (a.Type != OnnxAttributeType.Float) throw Wrong(name, "a float");
            return a.F;
        }

        public long Int(string name, long fallback)
        {
            var a = Find(name);
            if (a == null) return fallback;
            if (a.Type != OnnxAttributeType.Int) throw Wrong(name, "an int");
            return a.I;
        }

        public IReadOnlyList<long>? Ints(string name)
        {
            var a = Find(name);
            if (a == null) return null;
            if (a.Type != OnnxAttributeType.Ints) throw Wrong(name, "a list of ints");
            return a.Ints;
        }

        public OnnxAttribute? Find(string name)
        {
            OnnxAttribute? found = null;
            foreach (var a in _node.Attributes)
            {
                if (a.Name != name) continue;
                if (found != null)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{_where}: attribute '{name}' is given twice");
                if (a.RefAttrName.Length > 0)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{_where}: attribute '{name}' refers to a function attribute, which is not supported");
                found = a;
            }
            return found;
        }

        /// <summary>Fails when the node carries an attribute this op does not know (it may change the meaning).</summary>
        public void OnlyKnown(params string[] known)
        {
            foreach (var a in _node.Attributes)
                if (!known.Contains(a.Name))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{_where}: attribute '{Text.Quote(a.Name)}' is not supported for this op");
        }

        private ModelCompileException Wrong(string name, string expected) =>
            new ModelCompileException(DiagnosticIds.InvalidNode, $"{_where}: attribute '{name}' must be {expected}");
    }
}

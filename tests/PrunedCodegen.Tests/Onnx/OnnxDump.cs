using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>
    /// A canonical text rendering of every member of the ONNX data model, for whole-model comparisons with
    /// readable diffs. Floats are rendered with their bit patterns so that NaN payloads and -0 count.
    /// </summary>
    internal static class OnnxDump
    {
        public static string Model(OnnxModel m)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"ir_version={m.IrVersion} producer={Q(m.ProducerName)} {Q(m.ProducerVersion)} domain={Q(m.Domain)} model_version={m.ModelVersion} doc={Q(m.DocString)}");
            foreach (OnnxOpsetImport o in m.OpsetImports)
                sb.AppendLine($"opset {Q(o.Domain)}={o.Version}");
            foreach (KeyValuePair<string, string> kv in m.MetadataProps)
                sb.AppendLine($"meta {Q(kv.Key)}={Q(kv.Value)}");
            if (m.Graph == null)
            {
                sb.AppendLine("no graph");
                return sb.ToString();
            }
            OnnxGraph g = m.Graph;
            sb.AppendLine($"graph {Q(g.Name)} doc={Q(g.DocString)} sparse={g.HasSparseInitializers}");
            foreach (OnnxNode n in g.Nodes)
            {
                sb.AppendLine($"  node {Q(n.Name)} {Q(n.Domain)}:{Q(n.OpType)} in=[{string.Join(",", n.Inputs.Select(Q))}] out=[{string.Join(",", n.Outputs.Select(Q))}] doc={Q(n.DocString)}");
                foreach (OnnxAttribute a in n.Attributes)
                {
                    sb.AppendLine($"    attr {Q(a.Name)} type={a.Type} f={F(a.F)} i={a.I} s={B(a.S)} floats=[{string.Join(",", a.Floats.Select(F))}] ints=[{string.Join(",", a.Ints)}] strings=[{string.Join(",", a.Strings.Select(B))}] ref={Q(a.RefAttrName)}");
                    if (a.T != null)
                        sb.Append("      t ").AppendLine(Tensor(a.T));
                }
            }
            foreach (OnnxTensor t in g.Initializers)
                sb.Append("  init ").AppendLine(Tensor(t));
            foreach (OnnxValueInfo v in g.Inputs)
                sb.Append("  input ").AppendLine(ValueInfo(v));
            foreach (OnnxValueInfo v in g.Outputs)
                sb.Append("  output ").AppendLine(ValueInfo(v));
            foreach (OnnxValueInfo v in g.ValueInfos)
                sb.Append("  value_info ").AppendLine(ValueInfo(v));
            return sb.ToString();
        }

        public static string Tensor(OnnxTensor t) =>
            $"{Q(t.Name)} {t.DataType} dims=[{string.Join(",", t.Dims)}] doc={Q(t.DocString)} external={t.IsExternal} " +
            $"raw={(t.RawData == null ? "null" : B(t.RawData))} floats=[{string.Join(",", t.FloatData.Select(F))}] " +
            $"int32=[{string.Join(",", t.Int32Data)}] int64=[{string.Join(",", t.Int64Data)}] " +
            $"double=[{string.Join(",", t.DoubleData.Select(D))}] uint64=[{string.Join(",", t.UInt64Data)}] " +
            $"strings=[{string.Join(",", t.StringData.Select(B))}]";

        public static string ValueInfo(OnnxValueInfo v)
        {
            string shape = v.Shape == null ? "?" : "[" + string.Join(",", v.Shape.Select(d => d.Value.HasValue ? d.Value.Value.ToString(CultureInfo.InvariantCulture) : d.Param != null ? Q(d.Param) : "_")) + "]";
            return $"{Q(v.Name)} {v.TypeKind}:{v.ElementType}{shape} doc={Q(v.DocString)}";
        }

        private static string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        private static string B(byte[] b) => "0x" + Convert.ToHexString(b);

        private static string F(float f) => BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);

        private static string D(double d) => BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture);
    }
}

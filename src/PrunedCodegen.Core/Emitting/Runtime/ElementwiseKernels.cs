// PrunedCodegen runtime kernels: the less common unary elementwise ops, in place (appended to Kernels.cs in the
// emitted source). Scalar loops: these ops are rare in edge models and never the hot part of one; each follows the
// ONNX definition, NaN in gives NaN out except where that definition is a comparison (ThresholdedRelu, Shrink: 0).
namespace PrunedCodegen.Generated
{
    using System;

    internal static partial class Kernels
    {
        public static void Abs(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = MathF.Abs(y[i]); }

        public static void Neg(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = -y[i]; }

        public static void Reciprocal(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = 1f / y[i]; }

        public static void Floor(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = MathF.Floor(y[i]); }

        public static void Ceil(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = MathF.Ceiling(y[i]); }

        /// <summary>Halves to even, as ONNX Round (MathF.Round's default).</summary>
        public static void Round(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] = MathF.Round(y[i], MidpointRounding.ToEven); }

        /// <summary>1, -1, or the value itself for zeros and NaN (MathF.Sign throws on NaN).</summary>
        public static void Sign(Span<float> y)
        {
            for (int i = 0; i < y.Length; i++) { float x = y[i]; y[i] = x > 0f ? 1f : x < 0f ? -1f : x; }
        }

        public static void Softsign(Span<float> y) { for (int i = 0; i < y.Length; i++) y[i] /= 1f + MathF.Abs(y[i]); }

        /// <summary>x * tanh(softplus(x)), softplus computed without overflow as max(x, 0) + log(1 + exp(-|x|)).</summary>
        public static void Mish(Span<float> y)
        {
            for (int i = 0; i < y.Length; i++)
            {
                double x = y[i];
                y[i] = (float)(x * Math.Tanh(Math.Max(x, 0.0) + Math.Log(1 + Math.Exp(-Math.Abs(x)))));
            }
        }

        /// <summary>x above alpha, else 0; NaN gives 0 (ONNX's definition: where(x &gt; alpha, x, 0)).</summary>
        public static void ThresholdedRelu(Span<float> y, float alpha)
        {
            for (int i = 0; i < y.Length; i++) if (!(y[i] > alpha)) y[i] = 0f;
        }

        /// <summary>max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).</summary>
        public static void Celu(Span<float> y, float alpha)
        {
            for (int i = 0; i < y.Length; i++)
            {
                float x = y[i];
                y[i] = float.IsNaN(x) ? x : MathF.Max(0f, x) + MathF.Min(0f, (float)(alpha * (Math.Exp(x / (double)alpha) - 1)));
            }
        }

        /// <summary>x + bias below -lambd, x - bias above lambd, 0 between and for NaN (ONNX's nested where).</summary>
        public static void Shrink(Span<float> y, float lambd, float bias)
        {
            for (int i = 0; i < y.Length; i++)
            {
                float x = y[i];
                y[i] = x < -lambd ? x + bias : x > lambd ? x - bias : 0f;
            }
        }
    }
}

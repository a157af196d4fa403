// PrunedCodegen runtime kernels: ONNX QuantizeLinear / DequantizeLinear per tensor, in place (appended to Kernels.cs in
// the emitted source). A QDQ model quantizes the output of nearly every layer, so these run whole vectors at the widest
// accelerated width, as the other elementwise kernels do.
namespace PrunedCodegen.Generated
{
    using System;
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        /// <summary>
        /// 1.5 * 2^23: for |v| &lt; 2^22, (v + this) - this is v rounded half to even (the default rounding of the add),
        /// on every width and without SSE4.1/AVX-512 rounding instructions; the values rounded here are clamped first to
        /// the integer type's range, far inside that bound. -0.3 rounds to +0, as ONNX Runtime's integer 0 dequantizes.
        /// </summary>
        private const float RoundingShift = 12582912f;

        /// <summary>
        /// QuantizeLinear: clamp(round_half_even(y / scale) + zeroPoint, min, max), the integers kept as floats for the
        /// DequantizeLinear that reads them. Clamping to [min - zeroPoint, max - zeroPoint] before rounding gives the same
        /// integers (rounding is monotonic and the bounds are whole). The division is a division, as ONNX Runtime's
        /// (x * (1 / scale) can round to another integer). NaN stays NaN (ONNX leaves it undefined).
        /// </summary>
        public static void Quantize(Span<float> y, float scale, float zeroPoint, float min, float max) =>
            QuantizeDispatch(y, scale, min - zeroPoint, max - zeroPoint, 1f, zeroPoint);

        /// <summary>
        /// A QuantizeLinear -> DequantizeLinear pair with one scale and zero point, in one pass:
        /// clamp(round_half_even(y / scale), min - zeroPoint, max - zeroPoint) * scale.
        /// </summary>
        public static void QuantizeDequantize(Span<float> y, float scale, float low, float high) =>
            QuantizeDispatch(y, scale, low, high, scale, 0f);

        /// <summary>DequantizeLinear: (q - zeroPoint) * scale.</summary>
        public static void Dequantize(Span<float> y, float scale, float zeroPoint)
        {
            if (Vector512.IsHardwareAccelerated && y.Length >= Vector512<float>.Count) DequantizeVectors<Width512, Vector512<float>>(y, scale, zeroPoint);
            else if (Vector256.IsHardwareAccelerated && y.Length >= Vector256<float>.Count) DequantizeVectors<Width256, Vector256<float>>(y, scale, zeroPoint);
            else if (Vector128.IsHardwareAccelerated && y.Length >= Vector128<float>.Count) DequantizeVectors<Width128, Vector128<float>>(y, scale, zeroPoint);
            else if (y.Length > 0) DequantizeVectors<ScalarWidth, float>(y, scale, zeroPoint);
        }

        private static void QuantizeDispatch(Span<float> y, float scale, float low, float high, float multiplier, float addend)
        {
            if (Vector512.IsHardwareAccelerated && y.Length >= Vector512<float>.Count) QuantizeVectors<Width512, Vector512<float>>(y, scale, low, high, multiplier, addend);
            else if (Vector256.IsHardwareAccelerated && y.Length >= Vector256<float>.Count) QuantizeVectors<Width256, Vector256<float>>(y, scale, low, high, multiplier, addend);
            else if (Vector128.IsHardwareAccelerated && y.Length >= Vector128<float>.Count) QuantizeVectors<Width128, Vector128<float>>(y, scale, low, high, multiplier, addend);
            else if (y.Length > 0) QuantizeVectors<ScalarWidth, float>(y, scale, low, high, multiplier, addend);
        }

        /// <summary>
        /// y = round_half_even(clamp(y / scale, low, high)) * multiplier + addend over whole vectors, at least one; the last
        /// vector ends at the last element and is computed from the original values before anything is stored (the op is
        /// not idempotent, so the overlap must not be quantized twice).
        /// </summary>
        internal static void QuantizeVectors<W, V>(Span<float> y, float scale, float low, float high, float multiplier, float addend)
            where W : struct, IVectorWidth<V> where V : struct
        {
            ref float ys = ref MemoryMarshal.GetReference(y);
            V s = W.Broadcast(scale), lo = W.Broadcast(low), hi = W.Broadcast(high), m = W.Broadcast(multiplier), a = W.Broadcast(addend), shift = W.Broadcast(RoundingShift);
            nuint last = (nuint)(y.Length - W.Count);
            V tail = QuantizeVector<W, V>(W.Load(ref ys, last), s, lo, hi, m, a, shift);
            for (nuint i = 0; i < last; i += (nuint)W.Count)
                W.Store(QuantizeVector<W, V>(W.Load(ref ys, i), s, lo, hi, m, a, shift), ref ys, i);
            W.Store(tail, ref ys, last);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static V QuantizeVector<W, V>(V v, V scale, V low, V high, V multiplier, V addend, V shift)
            where W : struct, IVectorWidth<V> where V : struct
        {
            V clamped = W.Clamp(W.Divide(v, scale), low, high);
            V rounded = W.Subtract(W.Add(clamped, shift), shift);
            return W.Add(W.Multiply(rounded, multiplier), addend);
        }

        /// <summary>(y - zeroPoint) * scale over whole vectors, at least one; the last vector as in <see cref="QuantizeVectors"/>.</summary>
        internal static void DequantizeVectors<W, V>(Span<float> y, float scale, float zeroPoint) where W : struct, IVectorWidth<V> where V : struct
        {
            ref float ys = ref MemoryMarshal.GetReference(y);
            V s = W.Broadcast(scale), z = W.Broadcast(zeroPoint);
            nuint last = (nuint)(y.Length - W.Count);
            V tail = W.Multiply(W.Subtract(W.Load(ref ys, last), z), s);
            for (nuint i = 0; i < last; i += (nuint)W.Count)
                W.Store(W.Multiply(W.Subtract(W.Load(ref ys, i), z), s), ref ys, i);
            W.Store(tail, ref ys, last);
        }
    }
}

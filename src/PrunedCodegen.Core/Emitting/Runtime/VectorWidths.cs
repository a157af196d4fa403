// PrunedCodegen runtime kernels: one kernel body over every vector width (appended to Kernels.cs in the emitted source).
namespace PrunedCodegen.Generated
{
    using System.Runtime.CompilerServices;
    using System.Runtime.Intrinsics;

    internal static partial class Kernels
    {
        // ---- vector widths: write a kernel once, run it at 512, 256, 128 bits or one float at a time ----
        //
        // A kernel body is a generic method over a width type W and its vector type V:
        //
        //     static void Tile<W, V>(...) where W : struct, IVectorWidth<V> where V : struct
        //     { V acc = W.Zero; acc = W.MulAdd(W.Load(ref w), W.Broadcast(x), acc); W.Store(acc, ref y); }
        //
        // The JIT compiles one copy per struct type argument, with every W.* call a direct, inlined call on the real
        // vector type (Vector512<float> etc.), so the code is what the hand-copied per-width loops were. One dispatch
        // per kernel picks the widest accelerated width (Vector512, then 256, then 128, then ScalarWidth), as
        // TensorPrimitives does; each check is a JIT-time constant, so only the chosen path remains in the compiled code.
        // Tests call each instantiation directly, so the Vector512 path is exercised even where it is not accelerated
        // (the cross-platform Vector512 API then runs in software).

        /// <summary>The operations a width-generic kernel needs from one vector width of floats.</summary>
        internal interface IVectorWidth<V> where V : struct
        {
            /// <summary>Floats per vector.</summary>
            static abstract int Count { get; }
            static abstract V Zero { get; }
            static abstract V Broadcast(float value);
            static abstract V Load(ref float source);
            static abstract V Load(ref float source, nuint elementOffset);
            static abstract void Store(V value, ref float destination);
            static abstract void Store(V value, ref float destination, nuint elementOffset);
            /// <summary>a * b + c, fused (one rounding) where the hardware has an FMA, else a multiply and an add.</summary>
            static abstract V MulAdd(V a, V b, V c);
            static abstract V Add(V a, V b);
            static abstract V Multiply(V a, V b);
            static abstract V Subtract(V a, V b);
            static abstract V Divide(V a, V b);
            /// <summary>max(v, 0) that keeps NaN (a select, not a max instruction), as ONNX's Relu.</summary>
            static abstract V Relu(V v);
            /// <summary>min(max(v, low), high) that keeps NaN, as ONNX's Clip.</summary>
            static abstract V Clamp(V v, V low, V high);
            /// <summary>The sum of the lanes.</summary>
            static abstract float Sum(V v);
        }

        internal readonly struct Width512 : IVectorWidth<Vector512<float>>
        {
            public static int Count => Vector512<float>.Count;
            public static Vector512<float> Zero => Vector512<float>.Zero;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint elementOffset) => Vector512.LoadUnsafe(ref source, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Kernels.MulAdd(a, b, c);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> v) => Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Clamp(Vector512<float> v, Vector512<float> low, Vector512<float> high) => Kernels.Clamp(v, low, high);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
        }

        internal readonly struct Width256 : IVectorWidth<Vector256<float>>
        {
            public static int Count => Vector256<float>.Count;
            public static Vector256<float> Zero => Vector256<float>.Zero;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, nuint elementOffset) => Vector256.LoadUnsafe(ref source, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Kernels.MulAdd(a, b, c);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> v) => Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Clamp(Vector256<float> v, Vector256<float> low, Vector256<float> high) => Kernels.Clamp(v, low, high);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
        }

        internal readonly struct Width128 : IVectorWidth<Vector128<float>>
        {
            public static int Count => Vector128<float>.Count;
            public static Vector128<float> Zero => Vector128<float>.Zero;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, nuint elementOffset) => Vector128.LoadUnsafe(ref source, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Kernels.MulAdd(a, b, c);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Relu(Vector128<float> v) => Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128<float>.Zero), Vector128<float>.Zero, v);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Clamp(Vector128<float> v, Vector128<float> low, Vector128<float> high) => Kernels.Clamp(v, low, high);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
        }

        /// <summary>
        /// One float per "vector": the scalar fallback of a width-generic kernel, for machines with no accelerated
        /// vectors (DOTNET_EnableHWIntrinsic=0). The multiply-add is unfused (a * b + c), as the vector paths without an
        /// FMA instruction are.
        /// </summary>
        internal readonly struct ScalarWidth : IVectorWidth<float>
        {
            public static int Count => 1;
            public static float Zero => 0f;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Broadcast(float value) => value;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source) => source;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source, nuint elementOffset) => Unsafe.Add(ref source, elementOffset);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float destination) => destination = value;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MulAdd(float a, float b, float c) => a * b + c;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Multiply(float a, float b) => a * b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Subtract(float a, float b) => a - b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Divide(float a, float b) => a / b;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float v) => v < 0f ? 0f : v;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Clamp(float v, float low, float high) { v = v < low ? low : v; return v > high ? high : v; }   // as the vector clamps: high wins when low > high
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float v) => v;
        }
    }
}

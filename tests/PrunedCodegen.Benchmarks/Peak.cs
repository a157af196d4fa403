using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>One width's measured single-core fused-multiply-add rate.</summary>
    public sealed record PeakResult(string Width, int Lanes, bool Fused, double FmaPerSecond, double FmaPerSecondMedian)
    {
        public double GFlops => 2 * FmaPerSecond / 1e9;
        /// <summary>Independent accumulator chains the measurement used (all held in registers: no spills).</summary>
        public int Chains { get; init; }
        /// <summary>The core clock measured just before, in GHz (dependent integer adds, one per cycle), and FMA lanes per cycle at it.</summary>
        public double ClockGHz { get; init; }
        public double FmaLanesPerCycle => ClockGHz > 0 ? FmaPerSecond / (ClockGHz * 1e9) : double.NaN;
    }

    /// <summary>
    /// Calibration: the single-core FMA peak, measured with independent FMA chains on one vector width, on the
    /// calling thread: 16 chains for Vector512 (32 zmm registers; Zen 5 needs 2 pipes x 4 cycles latency = 8) and for
    /// Vector128 on ARM (32 registers; 4 pipes x 4 on the widest cores), 12 for Vector256 and x64 Vector128 (16
    /// registers without AVX-512: 16 accumulators plus the two constants spilled two of them to the stack, checked
    /// with DOTNET_JitDisasm under DOTNET_EnableAVX512=0). Many short repetitions (2 ms) and the best one: on a shared
    /// machine a short repetition is often not preempted, and noise only slows a run down; the median is reported
    /// beside it. The core clock is measured the same way (a chain of dependent integer adds: one per cycle), so that
    /// the peak can be read as FMA lanes per cycle (Zen 5: 2 x 16 = 32 with Vector512; Zen 4: 16, it splits a 512-bit
    /// FMA in two halves). The percentage of peak of a benchmark = useful multiply-adds per second / peak.
    /// </summary>
    public static class Peak
    {
        /// <summary>The widest hardware-accelerated vector: the width the peak is quoted for.</summary>
        public static PeakResult Widest(int repetitions = 64, double secondsPerRep = 0.002)
        {
            if (Vector512.IsHardwareAccelerated) return Measure512(repetitions, secondsPerRep);
            if (Vector256.IsHardwareAccelerated) return Measure256(repetitions, secondsPerRep);
            return Measure128(repetitions, secondsPerRep);
        }

        /// <summary>Every accelerated width, widest first (for the report).</summary>
        public static IReadOnlyList<PeakResult> All(int repetitions = 64, double secondsPerRep = 0.002)
        {
            var list = new List<PeakResult>();
            if (Vector512.IsHardwareAccelerated) list.Add(Measure512(repetitions, secondsPerRep));
            if (Vector256.IsHardwareAccelerated) list.Add(Measure256(repetitions, secondsPerRep));
            if (Vector128.IsHardwareAccelerated) list.Add(Measure128(repetitions, secondsPerRep));
            return list;
        }

        private static PeakResult Measure512(int reps, double seconds) =>
            Measure("Vector512", Vector512<float>.Count, 16, Avx512F.IsSupported, reps, seconds, n => { Chains512(n); });

        private static PeakResult Measure256(int reps, double seconds) =>
            Measure("Vector256", Vector256<float>.Count, 12, Fma.IsSupported, reps, seconds, n => { Chains256(n); });

        private static PeakResult Measure128(int reps, double seconds) => AdvSimd.IsSupported
            ? Measure("Vector128", Vector128<float>.Count, 16, true, reps, seconds, n => { Chains128x16(n); })
            : Measure("Vector128", Vector128<float>.Count, 12, Fma.IsSupported, reps, seconds, n => { Chains128(n); });

        /// <summary>The core clock in GHz: a chain of dependent integer adds and xors (one cycle each), best of many short runs.</summary>
        public static double ClockGHz(int reps = 64, double secondsPerRep = 0.002)
        {
            var r = Best(reps, secondsPerRep, n => { AddChain(n, Environment.TickCount64 | 1); });
            return r.Best * 8 / 1e9;   // 8 dependent ops per iteration
        }

        private static PeakResult Measure(string width, int lanes, int chains, bool fused, int reps, double seconds, Action<long> kernel)
        {
            double clock = ClockGHz(reps / 2, seconds);
            var (best, median) = Best(reps, seconds, kernel);
            return new PeakResult(width, lanes, fused, best * chains * lanes, median * chains * lanes) { Chains = chains, ClockGHz = clock };
        }

        /// <summary>Best and median iterations per second of <paramref name="kernel"/> over <paramref name="reps"/> runs of about <paramref name="seconds"/>.</summary>
        private static (double Best, double Median) Best(int reps, double seconds, Action<long> kernel)
        {
            kernel(1000);   // JIT
            // Size the loop to about `seconds` per repetition.
            long iters = 1 << 16;
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                kernel(iters);
                double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (s > seconds / 4) { iters = (long)(iters * seconds / s); break; }
                iters *= 4;
            }
            var rates = new List<double>();
            for (int r = 0; r < reps; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                kernel(iters);
                double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                rates.Add(iters / s);
            }
            rates.Sort();
            return (rates[rates.Count - 1], rates[rates.Count / 2]);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static long AddChain(long n, long x)
        {
            long a = x, b = x >> 1;
            for (long i = 0; i < n; i++)
            {
                a += b; a ^= i; a += b; a ^= i;
                a += b; a ^= i; a += b; a ^= i;
            }
            return a;
        }

        // acc = acc * m + c with m just below 1: values stay finite and normal for any iteration count.

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Chains512(long n)
        {
            var m = Vector512.Create(0.9999999f);
            var c = Vector512.Create(1e-7f);
            Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
            Vector512<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c, a12 = a11 + c, a13 = a12 + c, a14 = a13 + c, a15 = a14 + c;
            for (long i = 0; i < n; i++)
            {
                a0 = Fma512(a0, m, c); a1 = Fma512(a1, m, c); a2 = Fma512(a2, m, c); a3 = Fma512(a3, m, c);
                a4 = Fma512(a4, m, c); a5 = Fma512(a5, m, c); a6 = Fma512(a6, m, c); a7 = Fma512(a7, m, c);
                a8 = Fma512(a8, m, c); a9 = Fma512(a9, m, c); a10 = Fma512(a10, m, c); a11 = Fma512(a11, m, c);
                a12 = Fma512(a12, m, c); a13 = Fma512(a13, m, c); a14 = Fma512(a14, m, c); a15 = Fma512(a15, m, c);
            }
            var s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15));
            return Vector512.Sum(s);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Chains256(long n)
        {
            var m = Vector256.Create(0.9999999f);
            var c = Vector256.Create(1e-7f);
            Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
            Vector256<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
            for (long i = 0; i < n; i++)
            {
                a0 = Fma256(a0, m, c); a1 = Fma256(a1, m, c); a2 = Fma256(a2, m, c); a3 = Fma256(a3, m, c);
                a4 = Fma256(a4, m, c); a5 = Fma256(a5, m, c); a6 = Fma256(a6, m, c); a7 = Fma256(a7, m, c);
                a8 = Fma256(a8, m, c); a9 = Fma256(a9, m, c); a10 = Fma256(a10, m, c); a11 = Fma256(a11, m, c);
            }
            var s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
            return Vector256.Sum(s);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Chains128(long n)
        {
            var m = Vector128.Create(0.9999999f);
            var c = Vector128.Create(1e-7f);
            Vector128<float> a0 = Vector128.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
            Vector128<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
            for (long i = 0; i < n; i++)
            {
                a0 = Fma128(a0, m, c); a1 = Fma128(a1, m, c); a2 = Fma128(a2, m, c); a3 = Fma128(a3, m, c);
                a4 = Fma128(a4, m, c); a5 = Fma128(a5, m, c); a6 = Fma128(a6, m, c); a7 = Fma128(a7, m, c);
                a8 = Fma128(a8, m, c); a9 = Fma128(a9, m, c); a10 = Fma128(a10, m, c); a11 = Fma128(a11, m, c);
            }
            var s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
            return Vector128.Sum(s);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Chains128x16(long n)
        {
            var m = Vector128.Create(0.9999999f);
            var c = Vector128.Create(1e-7f);
            Vector128<float> a0 = Vector128.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
            Vector128<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c, a12 = a11 + c, a13 = a12 + c, a14 = a13 + c, a15 = a14 + c;
            for (long i = 0; i < n; i++)
            {
                a0 = Fma128(a0, m, c); a1 = Fma128(a1, m, c); a2 = Fma128(a2, m, c); a3 = Fma128(a3, m, c);
                a4 = Fma128(a4, m, c); a5 = Fma128(a5, m, c); a6 = Fma128(a6, m, c); a7 = Fma128(a7, m, c);
                a8 = Fma128(a8, m, c); a9 = Fma128(a9, m, c); a10 = Fma128(a10, m, c); a11 = Fma128(a11, m, c);
                a12 = Fma128(a12, m, c); a13 = Fma128(a13, m, c); a14 = Fma128(a14, m, c); a15 = Fma128(a15, m, c);
            }
            var s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15));
            return Vector128.Sum(s);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Fma128(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b) : a * b + c;
    }
}

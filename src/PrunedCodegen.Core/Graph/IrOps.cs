using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// An activation applied elementwise, possibly fused into the layer before it. Exp, Log and Sqrt are plain unary
    /// functions; they ride along because they are elementwise too. GeluTanh is Gelu with approximate="tanh".
    /// </summary>
    internal enum ActivationKind
    {
        None, Relu, LeakyRelu, Sigmoid, Tanh, Clip,
        Elu, Selu, HardSigmoid, HardSwish, Softplus, Gelu, GeluTanh, Exp, Log, Sqrt, Erf,
        Abs, Neg, Reciprocal, Floor, Ceil, Round, Sign, Softsign, Mish, ThresholdedRelu, Celu, Shrink,
        /// <summary>QuantizeLinear of a runtime tensor: the integers clamp(round_half_even(x / Alpha) + Beta, Min, Max), held as floats.</summary>
        Quantize,
        /// <summary>DequantizeLinear of what <see cref="Quantize"/> made: (q - Beta) * Alpha.</summary>
        Dequantize,
        /// <summary>A Quantize -> Dequantize pair of one scale Alpha, in one pass: round_half_even(clamp(x / Alpha, Min, Max)) * Alpha, Min and Max the integer range less the zero point.</summary>
        QuantizeDequantize,
    }

    /// <summary>
    /// Kind plus parameters: Alpha (LeakyRelu, Elu, Selu, HardSigmoid, ThresholdedRelu, Celu, Shrink's lambd), Beta
    /// (HardSigmoid's beta, Selu's gamma, Shrink's bias), Min and Max (Clip); Quantize and Dequantize: scale Alpha, zero point
    /// Beta, and (Quantize) the integer range [Min, Max] of the quantized type.
    /// </summary>
    internal readonly record struct Activation(ActivationKind Kind, float Alpha = 0, float Min = 0, float Max = 0, float Beta = 0)
    {
        public static readonly Activation None = new Activation(ActivationKind.None);

        /// <summary>True when the activation maps 0 to 0 (a pruned neuron stays dead through it).</summary>
        public bool KeepsZero => Kind switch
        {
            ActivationKind.Sigmoid or ActivationKind.Softplus or ActivationKind.Exp or ActivationKind.Log or ActivationKind.Reciprocal => false,
            ActivationKind.Shrink => Alpha >= 0 || Beta == 0,
            ActivationKind.HardSigmoid => Beta <= 0,
            ActivationKind.Clip => Min <= 0 && Max >= 0,
            ActivationKind.Quantize or ActivationKind.Dequantize => Beta == 0,
            ActivationKind.QuantizeDequantize => true,   // a valid zero point lies in the type's range: Min <= 0 <= Max
            _ => true,
        };

        /// <summary>The activation of one value, as the generated code computes it (for build-time folding).</summary>
        public float Apply(float x) => Kind switch
        {
            ActivationKind.Relu => x < 0 ? 0 : x,
            ActivationKind.LeakyRelu => x < 0 ? x * Alpha : x,
            ActivationKind.Sigmoid => (float)(1.0 / (1.0 + System.Math.Exp(-x))),
            ActivationKind.Tanh => (float)System.Math.Tanh(x),
            ActivationKind.Clip => System.Math.Min(System.Math.Max(x, Min), Max),
            ActivationKind.Elu => x < 0 ? (float)(Alpha * (System.Math.Exp(x) - 1)) : x,
            ActivationKind.Selu => x <= 0 ? (float)(Beta * (Alpha * (System.Math.Exp(x) - 1))) : Beta * x,
            ActivationKind.HardSigmoid => float.IsNaN(x) ? x : System.Math.Max(0f, System.Math.Min(1f, Alpha * x + Beta)),
            ActivationKind.HardSwish => float.IsNaN(x) ? x : x * System.Math.Max(0f, System.Math.Min(1f, x * (1f / 6f) + 0.5f)),
            ActivationKind.Softplus => (float)(System.Math.Max(x, 0.0) + System.Math.Log(1 + System.Math.Exp(-System.Math.Abs((double)x)))),
            ActivationKind.Gelu => (float)(0.5 * x * Erfc(-x * 0.70710678118654752)),
            ActivationKind.GeluTanh => (float)(0.5 * x * (1 + System.Math.Tanh(0.79788456080286536 * (x + 0.044715 * (double)x * x * x)))),
            ActivationKind.Exp => (float)System.Math.Exp(x),
            ActivationKind.Log => (float)System.Math.Log(x),
            ActivationKind.Sqrt => (float)System.Math.Sqrt(x),
            ActivationKind.Erf => (float)Erf(x),
            ActivationKind.Abs => System.Math.Abs(x),
            ActivationKind.Neg => -x,
            ActivationKind.Reciprocal => 1f / x,
            ActivationKind.Floor => (float)System.Math.Floor(x),
            ActivationKind.Ceil => (float)System.Math.Ceiling(x),
            ActivationKind.Round => (float)System.Math.Round(x, System.MidpointRounding.ToEven),
            ActivationKind.Sign => x > 0 ? 1f : x < 0 ? -1f : x,
            ActivationKind.Softsign => x / (1f + System.Math.Abs(x)),
            ActivationKind.Mish => (float)(x * System.Math.Tanh(System.Math.Max(x, 0.0) + System.Math.Log(1 + System.Math.Exp(-System.Math.Abs((double)x))))),
            ActivationKind.ThresholdedRelu => x > Alpha ? x : 0f,
            ActivationKind.Celu => float.IsNaN(x) ? x : System.Math.Max(0f, x) + System.Math.Min(0f, (float)(Alpha * (System.Math.Exp(x / (double)Alpha) - 1))),
            ActivationKind.Shrink => x < -Alpha ? x + Beta : x > Alpha ? x - Beta : 0f,
            ActivationKind.Quantize => Quantization.Quantize(x, Alpha, Beta, Min, Max),
            ActivationKind.Dequantize => Quantization.Dequantize(x, Alpha, Beta),
            ActivationKind.QuantizeDequantize => Quantization.QuantizeDequantize(x, Alpha, Min, Max),
            _ => x,
        };

        public string Describe() => Kind switch
        {
            ActivationKind.None => "",
            ActivationKind.LeakyRelu or ActivationKind.Elu => $"{Kind}(alpha={Emitting.CSharpLiterals.Float(Alpha)})",
            ActivationKind.Selu => $"Selu(alpha={Emitting.CSharpLiterals.Float(Alpha)}, gamma={Emitting.CSharpLiterals.Float(Beta)})",
            ActivationKind.HardSigmoid => $"HardSigmoid(alpha={Emitting.CSharpLiterals.Float(Alpha)}, beta={Emitting.CSharpLiterals.Float(Beta)})",
            ActivationKind.GeluTanh => "Gelu(approximate=tanh)",
            ActivationKind.ThresholdedRelu or ActivationKind.Celu => $"{Kind}(alpha={Emitting.CSharpLiterals.Float(Alpha)})",
            ActivationKind.Shrink => $"Shrink(lambd={Emitting.CSharpLiterals.Float(Alpha)}, bias={Emitting.CSharpLiterals.Float(Beta)})",
            ActivationKind.Clip => $"Clip({Emitting.CSharpLiterals.Float(Min)}, {Emitting.CSharpLiterals.Float(Max)})",
            ActivationKind.Quantize => $"QuantizeLinear(scale={Emitting.CSharpLiterals.Float(Alpha)}, zero point={Emitting.CSharpLiterals.Float(Beta)}, range [{Emitting.CSharpLiterals.Float(Min)}, {Emitting.CSharpLiterals.Float(Max)}])",
            ActivationKind.Dequantize => $"DequantizeLinear(scale={Emitting.CSharpLiterals.Float(Alpha)}, zero point={Emitting.CSharpLiterals.Float(Beta)})",
            ActivationKind.QuantizeDequantize => $"QuantizeLinear+DequantizeLinear(scale={Emitting.CSharpLiterals.Float(Alpha)}, integers [{Emitting.CSharpLiterals.Float(Min)}, {Emitting.CSharpLiterals.Float(Max)}] less the zero point)",
            _ => Kind.ToString(),
        };

        /// <summary>erf: its Maclaurin series below |x| = 0.5 (full relative precision near 0), 1 - erfc above; as Kernels.Erf.</summary>
        private static double Erf(double x)
        {
            if (double.IsNaN(x)) return x;
            if (System.Math.Abs(x) >= 0.5) return 1 - Erfc(x);
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 12; n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return sum * 1.1283791670955126;
        }

        /// <summary>
        /// The complementary error function, to a fractional error below 1.2e-7 everywhere (Chebyshev fit of
        /// Numerical Recipes' erfcc); the generated Kernels.Gelu uses the same formula. Gelu(x) = x/2 erfc(-x/sqrt 2).
        /// </summary>
        private static double Erfc(double x)
        {
            double z = System.Math.Abs(x), t = 1 / (1 + 0.5 * z);
            double r = t * System.Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
            return x >= 0 ? r : 2 - r;
        }
    }

    /// <summary>Binary ops; Less and Greater give 1 or 0 (a bool tensor, which only Where may read).</summary>
    internal enum BinaryKind { Add, Sub, Mul, Div, Max, Min, PRelu, Pow, Less, Greater }

    /// <summary>One operation of the lowered graph. Every op names the ONNX node(s) it came from.</summary>
    internal abstract class IrOp
    {
        protected IrOp(IrValue output, string sourceNodes)
        {
            Output = output;
            SourceNodes = sourceNodes;
        }

        public IrValue Output { get; }

        /// <summary>ONNX op types and node names this op implements, for the comment (untrusted text).</summary>
        public string SourceNodes { get; set; }

        public abstract IEnumerable<IrValue> Inputs { get; }
    }

    /// <summary>
    /// y[m, n] = act(bias[n] + sum_k x[m, k] * W[n, k]) with constant weights: Gemm or MatMul (+ Add) (+ activation).
    /// Weights are stored row-major as [N][K] whatever the ONNX layout was.
    /// </summary>
    internal sealed class DenseOp : IrOp
    {
        public DenseOp(IrValue input, IrValue output, int rows, int k, int n, float[] weights, string sourceNodes)
            : base(output, sourceNodes)
        {
            Input = input; Rows = rows; K = k; N = n; Weights = weights;
        }

        public IrValue Input { get; }
        public int Rows { get; }
        public int K { get; }
        public int N { get; }
        public float[] Weights { get; }
        /// <summary>Per-output bias (length N) or null.</summary>
        public float[]? Bias { get; set; }
        public Activation Activation { get; set; } = Activation.None;

        /// <summary>Outputs (neurons) removed at build time because pruning left them constant.</summary>
        public int RemovedOutputs { get; set; }

        /// <summary>Inputs removed at build time because the layer before lost those neurons.</summary>
        public int RemovedInputs { get; set; }

        /// <summary>Outputs (neurons) reordered at build time into the SELL kernel's row order (Planning/SellNeuronOrder.cs).</summary>
        public bool NeuronsReordered { get; set; }

        /// <summary>Inputs reordered at build time to match the layer before, whose neurons were reordered.</summary>
        public bool InputsReordered { get; set; }

        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }

    /// <summary>Y = A x B for runtime A and B, numpy-style (batched, broadcast, 1-D promotion).</summary>
    internal sealed class MatMulOp : IrOp
    {
        public MatMulOp(IrValue a, IrValue b, IrValue output, int m, int k, int n, int[] batchOffsets, string sourceNodes)
            : base(output, sourceNodes)
        {
            A = a; B = b; M = m; K = k; N = n; BatchOffsets = batchOffsets;
        }

        public IrValue A { get; }
        public IrValue B { get; }
        public int M { get; }
        public int K { get; }
        public int N { get; }
        /// <summary>Per output matrix: the element offsets into A and B (pairs).</summary>
        public int[] BatchOffsets { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return A; yield return B; } }
    }

    /// <summary>Y = X^T for a runtime 2-D X of shape [Rows, Cols].</summary>
    internal sealed class TransposeOp : IrOp
    {
        public TransposeOp(IrValue input, IrValue output, int rows, int cols, string sourceNodes) : base(output, sourceNodes)
        {
            Input = input; Rows = rows; Cols = cols;
        }

        public IrValue Input { get; }
        public int Rows { get; }
        public int Cols { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }

    /// <summary>Elementwise binary op with ONNX broadcasting; operands may be constants.</summary>
    internal sealed class BinaryOp : IrOp
    {
        public BinaryOp(BinaryKind kind, IrValue a, IrValue b, IrValue output, string sourceNodes) : base(output, sourceNodes)
        {
            Kind = kind; A = a; B = b;
        }

        public BinaryKind Kind { get; }
        public IrValue A { get; }
        public IrValue B { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return A; yield return B; } }
    }

    /// <summary>An elementwise activation (or a copy, when the activation is None).</summary>
    internal sealed class UnaryOp : IrOp
    {
        public UnaryOp(Activation activation, IrValue input, IrValue output, string sourceNodes) : base(output, sourceNodes)
        {
            Activation = activation; Input = input;
        }

        public Activation Activation { get; }
        public IrValue Input { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }

    /// <summary>Softmax or LogSoftmax over the middle extent of an [outer, length, inner] view.</summary>
    internal sealed class SoftmaxOp : IrOp
    {
        public SoftmaxOp(bool log, IrValue input, IrValue output, int outer, int length, int inner, string sourceNodes)
            : base(output, sourceNodes)
        {
            Log = log; Input = input; Outer = outer; Length = length; Inner = inner;
        }

        public bool Log { get; }
        public IrValue Input { get; }
        public int Outer { get; }
        public int Length { get; }
        public int Inner { get; }
        public override IEnumerable<IrValue> Inputs { get { yield return Input; } }
    }
}

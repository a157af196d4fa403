using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// A generated model class compiled in memory and callable with arrays. Spans cannot cross reflection, so
    /// a small shim class (<c>__Shim</c>) with array signatures is generated from the model class's symbols and
    /// compiled into the same assembly; its static methods are bound to delegates.
    /// </summary>
    public sealed class GeneratedModel
    {
        /// <summary>The name of the shim class compiled beside the generated sources (global namespace).</summary>
        public const string ShimTypeName = "__Shim";

        private const string ShimVersion = "shim-v3";

        private readonly Action<float[][], float[][], long[][]> _predict;
        private readonly Action<float[][], float[][], long[][]> _predictBatch;
        private readonly Func<float[][], float[][], long[][], int, long> _allocatedBytes;
        private readonly Func<float[][], float[][], long[][], int, long> _allocatedBytesBatch;

        private GeneratedModel(CompiledAssembly compiled, string classFullName)
        {
            Compiled = compiled;
            ClassFullName = classFullName;
            ModelType = compiled.GetRequiredType(classFullName);
            InputCount = ReadIntConstant(ModelType, "InputCount");
            OutputCount = ReadIntConstant(ModelType, "OutputCount");
            InputNames = ReadStrings(ModelType, "InputNames");
            OutputNames = ReadStrings(ModelType, "OutputNames");

            Type shim = compiled.GetRequiredType(ShimTypeName);
            _predict = Bind<Action<float[][], float[][], long[][]>>(shim, "Predict");
            _predictBatch = Bind<Action<float[][], float[][], long[][]>>(shim, "PredictBatch");
            _allocatedBytes = Bind<Func<float[][], float[][], long[][], int, long>>(shim, "AllocatedBytes");
            _allocatedBytesBatch = Bind<Func<float[][], float[][], long[][], int, long>>(shim, "AllocatedBytesBatch");
            InputLengths = Bind<Func<int[]>>(shim, "InputLengths")();
            OutputLengths = Bind<Func<int[]>>(shim, "OutputLengths")();
            OutputIsInt64 = Bind<Func<bool[]>>(shim, "OutputIsInt64")();

            if (InputLengths.Length != InputCount || OutputLengths.Length != OutputCount)
            {
                throw new InvalidOperationException(
                    $"{classFullName}: InputLengths has {InputLengths.Length} entries and OutputLengths {OutputLengths.Length}, " +
                    $"but InputCount = {InputCount} and OutputCount = {OutputCount}.");
            }
            if (InputNames.Count != InputCount || OutputNames.Count != OutputCount)
            {
                throw new InvalidOperationException(
                    $"{classFullName}: InputNames has {InputNames.Count} entries and OutputNames {OutputNames.Count}, " +
                    $"but InputCount = {InputCount} and OutputCount = {OutputCount}.");
            }
        }

        public CompiledAssembly Compiled { get; }
        public string ClassFullName { get; }
        public Type ModelType { get; }
        public int InputCount { get; }
        public int OutputCount { get; }

        /// <summary>Floats per sample of each graph input, in graph order.</summary>
        public int[] InputLengths { get; }

        /// <summary>Elements per sample of each graph output, in graph order.</summary>
        public int[] OutputLengths { get; }

        /// <summary>Per output: true when Predict takes a <c>Span&lt;long&gt;</c> for it (int64 indices), false for <c>Span&lt;float&gt;</c>.</summary>
        public bool[] OutputIsInt64 { get; }

        public IReadOnlyList<string> InputNames { get; }
        public IReadOnlyList<string> OutputNames { get; }

        /// <summary>Warnings of the C# compilation (generated sources and shim together).</summary>
        public IReadOnlyList<Diagnostic> Warnings => Compiled.Warnings;

        /// <summary>
        /// Compiles <paramref name="generatedSources"/> (all of them: model file and shared kernels) together with a
        /// shim for the class <paramref name="classFullName"/> (e.g. "NodeTests.Model"). Cached per sources.
        /// </summary>
        public static GeneratedModel Load(IEnumerable<string> generatedSources, string classFullName)
        {
            var sources = generatedSources.Select((text, i) => new SourceFile($"Generated{i}.g.cs", text)).ToList();
            return Load(sources, classFullName);
        }

        public static GeneratedModel Load(IReadOnlyList<SourceFile> generatedSources, string classFullName)
        {
            CompiledAssembly compiled = InMemoryCompiler.Compile(
                generatedSources,
                cacheTag: ShimVersion + ":" + classFullName,
                extend: compilation => new[] { new SourceFile(ShimTypeName + ".cs", BuildShim(compilation, classFullName)) });
            return new GeneratedModel(compiled, classFullName);
        }

        /// <summary>
        /// Runs Predict on one sample. Checks the inputs' lengths; fills the outputs with a sentinel first and runs a
        /// second time with another sentinel, failing if any output element was left unwritten or differs between the
        /// two runs; fails if an input was modified.
        /// </summary>
        /// <remarks>An int64 output comes back converted to floats (exactly: it fails beyond 2^24); see <see cref="PredictTyped"/>.</remarks>
        public float[][] Predict(params float[][] inputs) => AsFloats(Run(_predict, 1, inputs, "Predict"));

        /// <summary>Runs PredictBatch on <paramref name="batch"/> samples laid out back to back in each array.</summary>
        public float[][] PredictBatch(int batch, params float[][] inputs)
        {
            if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch));
            return AsFloats(Run(_predictBatch, batch, inputs, "PredictBatch"));
        }

        /// <summary>As <see cref="Predict"/>, each output as its own type: float outputs in Floats, int64 outputs in Longs (the other null).</summary>
        public (float[]?[] Floats, long[]?[] Longs) PredictTyped(params float[][] inputs) => Run(_predict, 1, inputs, "Predict");

        /// <summary>As <see cref="PredictBatch"/>, each output as its own type.</summary>
        public (float[]?[] Floats, long[]?[] Longs) PredictBatchTyped(int batch, params float[][] inputs)
        {
            if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch));
            return Run(_predictBatch, batch, inputs, "PredictBatch");
        }

        private float[][] AsFloats((float[]?[] Floats, long[]?[] Longs) outputs) =>
            Enumerable.Range(0, OutputCount).Select(o => outputs.Floats[o] ?? outputs.Longs[o]!.Select(v =>
                Math.Abs(v) <= 1 << 24 ? (float)v : throw new InvalidOperationException($"{ClassFullName}: int64 output {o} holds {v}, not exact as a float; use PredictTyped.")).ToArray()).ToArray();

        /// <summary>
        /// Managed bytes allocated by this thread over <paramref name="iterations"/> calls of Predict, after one warm-up
        /// call (which runs static constructors and first-call JIT work): the least of five such batches, so that a
        /// one-off allocation of the runtime itself (tier-1 promotion) is not blamed on the model.
        /// </summary>
        public long AllocatedBytes(float[][] inputs, int iterations = 100)
        {
            CheckInputs(inputs, 1, "AllocatedBytes");
            float[][] outputs = OutputLengths.Select((n, o) => new float[OutputIsInt64[o] ? 0 : n]).ToArray();
            long[][] longs = OutputLengths.Select((n, o) => new long[OutputIsInt64[o] ? n : 0]).ToArray();
            return _allocatedBytes(inputs, outputs, longs, iterations);
        }

        /// <summary>As <see cref="AllocatedBytes"/>, for PredictBatch on <paramref name="batch"/> samples per call.</summary>
        public long AllocatedBytesBatch(int batch, float[][] inputs, int iterations = 100)
        {
            CheckInputs(inputs, batch, "AllocatedBytesBatch");
            float[][] outputs = OutputLengths.Select((n, o) => new float[OutputIsInt64[o] ? 0 : checked(n * batch)]).ToArray();
            long[][] longs = OutputLengths.Select((n, o) => new long[OutputIsInt64[o] ? checked(n * batch) : 0]).ToArray();
            return _allocatedBytesBatch(inputs, outputs, longs, iterations);
        }

        private (float[]?[] Floats, long[]?[] Longs) Run(Action<float[][], float[][], long[][]> call, int batch, float[][] inputs, string what)
        {
            CheckInputs(inputs, batch, what);
            float[][] copies = inputs.Select(a => (float[])a.Clone()).ToArray();

            // Float outputs get a NaN then a -7.25e30 sentinel; int64 outputs long.MinValue then 0x5A5A5A5A5A5A5A5A.
            float[][] first = OutputLengths.Select((n, o) => Filled(OutputIsInt64[o] ? 0 : checked(n * batch), float.NaN)).ToArray();
            long[][] firstLongs = OutputLengths.Select((n, o) => FilledLongs(OutputIsInt64[o] ? checked(n * batch) : 0, long.MinValue)).ToArray();
            call(inputs, first, firstLongs);
            float[][] second = OutputLengths.Select((n, o) => Filled(OutputIsInt64[o] ? 0 : checked(n * batch), -7.25e30f)).ToArray();
            long[][] secondLongs = OutputLengths.Select((n, o) => FilledLongs(OutputIsInt64[o] ? checked(n * batch) : 0, 0x5A5A5A5A5A5A5A5A)).ToArray();
            call(inputs, second, secondLongs);

            for (int o = 0; o < OutputCount; o++)
            {
                for (int i = 0; i < firstLongs[o].Length; i++)
                {
                    if (firstLongs[o][i] != secondLongs[o][i])
                    {
                        throw new InvalidOperationException(
                            $"{ClassFullName}.{what}: int64 output {o} ('{OutputNames[o]}') element {i} is {firstLongs[o][i]} after a call on a long.MinValue-filled " +
                            $"buffer but {secondLongs[o][i]} after a call on a buffer filled with 0x5A5A5A5A5A5A5A5A: the element is not written " +
                            "(or depends on the output's previous contents, or the code is not deterministic).");
                    }
                }
                for (int i = 0; i < first[o].Length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(first[o][i]) != BitConverter.SingleToInt32Bits(second[o][i]))
                    {
                        throw new InvalidOperationException(
                            $"{ClassFullName}.{what}: output {o} ('{OutputNames[o]}') element {i} is {Show(first[o][i])} after a call on a NaN-filled " +
                            $"buffer but {Show(second[o][i])} after a call on a buffer filled with -7.25e30: the element is not written " +
                            "(or depends on the output's previous contents, or the code is not deterministic).");
                    }
                }
            }
            for (int k = 0; k < InputCount; k++)
            {
                if (!copies[k].AsSpan().SequenceEqual(inputs[k]))
                {
                    throw new InvalidOperationException($"{ClassFullName}.{what} modified input {k} ('{InputNames[k]}').");
                }
            }
            return (Enumerable.Range(0, OutputCount).Select(o => OutputIsInt64[o] ? null : first[o]).ToArray(),
                Enumerable.Range(0, OutputCount).Select(o => OutputIsInt64[o] ? firstLongs[o] : null).ToArray());
        }

        private void CheckInputs(float[][] inputs, int batch, string what)
        {
            if (inputs is null) throw new ArgumentNullException(nameof(inputs));
            if (inputs.Length != InputCount)
            {
                throw new ArgumentException($"{ClassFullName}.{what} takes {InputCount} input(s) ({string.Join(", ", InputNames)}), got {inputs.Length}.");
            }
            for (int k = 0; k < InputCount; k++)
            {
                long expected = (long)InputLengths[k] * batch;
                if (inputs[k] is null || inputs[k].Length != expected)
                {
                    throw new ArgumentException(
                        $"{ClassFullName}.{what}: input {k} ('{InputNames[k]}') must have {expected} floats " +
                        $"({InputLengths[k]} per sample x {batch}), got {inputs[k]?.Length.ToString(CultureInfo.InvariantCulture) ?? "null"}.");
                }
            }
        }

        /// <summary>Writes the shim's C# after checking that the model class has the contract's shape.</summary>
        private static string BuildShim(CSharpCompilation compilation, string classFullName)
        {
            INamedTypeSymbol type = compilation.GetTypeByMetadataName(classFullName)
                ?? throw new InvalidOperationException($"The generated sources declare no type '{classFullName}'.");
            int inputCount = ConstInt(type, "InputCount");
            int outputCount = ConstInt(type, "OutputCount");
            bool[] outputIsInt64 = new bool[outputCount];
            foreach (string name in new[] { "Predict", "PredictBatch" })
            {
                outputIsInt64 = CheckSignature(type, name, inputCount, outputCount);
            }

            string model = "global::" + classFullName;
            string Args(string ins, string outs) => string.Join(", ",
                Enumerable.Range(0, inputCount).Select(i => $"{ins}{i}").Concat(Enumerable.Range(0, outputCount).Select(i => $"{outs}{i}")));
            string Unpack(string indent) =>
                string.Concat(Enumerable.Range(0, inputCount).Select(i => $"{indent}System.ReadOnlySpan<float> i{i} = ins[{i}];\n")) +
                string.Concat(Enumerable.Range(0, outputCount).Select(i => outputIsInt64[i]
                    ? $"{indent}System.Span<long> o{i} = louts[{i}];\n"
                    : $"{indent}System.Span<float> o{i} = outs[{i}];\n"));

            var sb = new StringBuilder();
            sb.Append("// Test shim: array-based entry points for ").Append(classFullName).Append(".\n");
            sb.Append("#nullable enable\n");
            sb.Append("public static class ").Append(ShimTypeName).Append("\n{\n");
            sb.Append("    public static void Predict(float[][] ins, float[][] outs, long[][] louts)\n    {\n");
            sb.Append(Unpack("        "));
            sb.Append("        ").Append(model).Append(".Predict(").Append(Args("i", "o")).Append(");\n    }\n\n");
            sb.Append("    public static void PredictBatch(float[][] ins, float[][] outs, long[][] louts)\n    {\n");
            sb.Append(Unpack("        "));
            sb.Append("        ").Append(model).Append(".PredictBatch(").Append(Args("i", "o")).Append(");\n    }\n\n");
            sb.Append("    public static int[] InputLengths() => ").Append(model).Append(".InputLengths.ToArray();\n\n");
            sb.Append("    public static int[] OutputLengths() => ").Append(model).Append(".OutputLengths.ToArray();\n\n");
            sb.Append("    public static bool[] OutputIsInt64() => new bool[] { ").Append(string.Join(", ", outputIsInt64.Select(b => b ? "true" : "false"))).Append(" };\n\n");
            // The allocation probes run five batches of `iterations` calls and return the smallest batch's bytes. A call
            // that allocates shows in every batch; a one-off allocation of the runtime on this thread (a tier-1
            // promotion or OSR transition landing mid-batch on a loaded machine: 6.8 KB once in CI) shows in one.
            foreach (var (name, entry) in new[] { ("AllocatedBytes", "Predict"), ("AllocatedBytesBatch", "PredictBatch") })
            {
                sb.Append("    public static long ").Append(name).Append("(float[][] ins, float[][] outs, long[][] louts, int iterations)\n    {\n");
                sb.Append(Unpack("        "));
                sb.Append("        ").Append(model).Append('.').Append(entry).Append('(').Append(Args("i", "o")).Append(");\n");
                sb.Append("        long least = long.MaxValue;\n");
                sb.Append("        for (int round = 0; round < 5; round++)\n        {\n");
                sb.Append("            long before = System.GC.GetAllocatedBytesForCurrentThread();\n");
                sb.Append("            for (int k = 0; k < iterations; k++)\n            {\n");
                sb.Append("                ").Append(model).Append('.').Append(entry).Append('(').Append(Args("i", "o")).Append(");\n            }\n");
                sb.Append("            least = System.Math.Min(least, System.GC.GetAllocatedBytesForCurrentThread() - before);\n        }\n");
                sb.Append("        return least;\n    }\n\n");
            }
            sb.Append("}\n");
            return sb.ToString();
        }

        private static int ConstInt(INamedTypeSymbol type, string name)
        {
            if (type.GetMembers(name).OfType<IFieldSymbol>().FirstOrDefault() is { IsConst: true, ConstantValue: int value })
            {
                return value;
            }
            throw new InvalidOperationException($"{type.ToDisplayString()} has no 'public const int {name}'.");
        }

        /// <summary>Checks the entry point and returns, per output, whether it is a <c>Span&lt;long&gt;</c> (else <c>Span&lt;float&gt;</c>).</summary>
        private static bool[] CheckSignature(INamedTypeSymbol type, string name, int inputCount, int outputCount)
        {
            var methods = type.GetMembers(name).OfType<IMethodSymbol>().ToList();
            bool Matches(IMethodSymbol m) =>
                m.IsStatic && m.DeclaredAccessibility == Accessibility.Public && m.ReturnsVoid &&
                m.Parameters.Length == inputCount + outputCount &&
                m.Parameters.Select((p, i) => (i < inputCount
                    ? IsSpanOf(p.Type, "ReadOnlySpan", SpecialType.System_Single)
                    : IsSpanOf(p.Type, "Span", SpecialType.System_Single) || IsSpanOf(p.Type, "Span", SpecialType.System_Int64)) && p.RefKind == RefKind.None).All(ok => ok);
            IMethodSymbol? match = methods.FirstOrDefault(Matches);
            if (match is null)
            {
                throw new InvalidOperationException(
                    $"{type.ToDisplayString()} has no 'public static void {name}' taking {inputCount} ReadOnlySpan<float> then {outputCount} Span<float> (or Span<long>). " +
                    "Found: " + (methods.Count == 0 ? "none" : string.Join("; ", methods.Select(m => m.ToDisplayString()))));
            }
            return match.Parameters.Skip(inputCount).Select(p => IsSpanOf(p.Type, "Span", SpecialType.System_Int64)).ToArray();
        }

        private static bool IsSpanOf(ITypeSymbol t, string spanName, SpecialType element) =>
            t is INamedTypeSymbol { Name: var n, TypeArguments: { Length: 1 } args } named &&
            n == spanName && named.ContainingNamespace.ToDisplayString() == "System" &&
            args[0].SpecialType == element;

        private static int ReadIntConstant(Type type, string name)
        {
            FieldInfo field = type.GetField(name, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{type.FullName} has no public field {name}.");
            return (int)(field.IsLiteral ? field.GetRawConstantValue()! : field.GetValue(null)!);
        }

        private static IReadOnlyList<string> ReadStrings(Type type, string name)
        {
            PropertyInfo property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{type.FullName} has no public static property {name}.");
            return ((IReadOnlyList<string>?)property.GetValue(null) ?? throw new InvalidOperationException($"{type.FullName}.{name} is null."))
                .ToArray();
        }

        private static T Bind<T>(Type shim, string name) where T : Delegate =>
            (T)(shim.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"The shim has no method {name}.")).CreateDelegate(typeof(T));

        private static long[] FilledLongs(int length, long value)
        {
            var a = new long[length];
            Array.Fill(a, value);
            return a;
        }

        private static float[] Filled(int length, float value)
        {
            var a = new float[length];
            Array.Fill(a, value);
            return a;
        }

        private static string Show(float f) => f.ToString("G9", CultureInfo.InvariantCulture);
    }
}

using System;
using System.Reflection;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// The runtime kernels (<see cref="ModelCompiler.KernelsSource"/>) compiled together with a test shim, so that a test
    /// can call one kernel directly, at one vector width: <c>Kernels.Tile&lt;Kernels.Width512, Vector512&lt;float&gt;&gt;</c>
    /// runs even where Vector512 is not accelerated (the cross-platform API then runs in software), which is how the
    /// AVX-512 paths are checked on machines without AVX-512. The shim is ordinary C# in namespace
    /// <c>PrunedCodegen.Generated</c> with public static methods; the kernels' internal members are visible to it.
    /// </summary>
    public static class KernelHarness
    {
        /// <summary>The widths a width-generic kernel is instantiated with, as the shim's switch names them.</summary>
        public static readonly string[] Widths = { "512", "256", "128", "scalar" };

        /// <summary>A C# switch expression over a string <c>width</c> that calls <paramref name="call"/> with each (W, V) pair.</summary>
        public static string WidthSwitch(Func<string, string, string> call) =>
            "switch (width)\n{\n" +
            $"    case \"512\": {call("Kernels.Width512", "Vector512<float>")}; break;\n" +
            $"    case \"256\": {call("Kernels.Width256", "Vector256<float>")}; break;\n" +
            $"    case \"128\": {call("Kernels.Width128", "Vector128<float>")}; break;\n" +
            $"    case \"scalar\": {call("Kernels.ScalarWidth", "float")}; break;\n" +
            "    default: throw new ArgumentException(width);\n}\n";

        /// <summary>Compiles the kernels with <paramref name="shimSource"/> (cached per source) and returns the shim type.</summary>
        public static Type Compile(string shimSource, string shimTypeName)
        {
            string shim = "using System;\nusing System.Runtime.CompilerServices;\nusing System.Runtime.InteropServices;\nusing System.Runtime.Intrinsics;\n\n" +
                "namespace PrunedCodegen.Generated\n{\n" + shimSource + "\n}\n";
            var assembly = InMemoryCompiler.Compile(new[]
            {
                new SourceFile(ModelCompiler.KernelsHintName, ModelCompiler.KernelsSource),
                new SourceFile("KernelShim.cs", shim),
            });
            return assembly.GetRequiredType("PrunedCodegen.Generated." + shimTypeName);
        }

        /// <summary>Invokes a public static shim method.</summary>
        public static object? Invoke(Type shim, string method, params object?[] args)
        {
            var m = shim.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{shim.FullName} has no public static method {method}");
            try
            {
                return m.Invoke(null, args);
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
    }
}

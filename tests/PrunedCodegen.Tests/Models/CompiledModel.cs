using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>Compiles a model with the core and loads the generated class (cached per model and options).</summary>
    internal static class CompiledModel
    {
        private static readonly ConcurrentDictionary<string, GeneratedModel> Cache = new ConcurrentDictionary<string, GeneratedModel>();

        public static string Fixture(params string[] parts) =>
            Path.Combine(new[] { TestPaths.RepoRoot, "tests", "fixtures" }.Concat(parts).ToArray());

        public static GeneratedModel Load(byte[] onnx, KernelChoice kernel = KernelChoice.Auto, string className = "Model", string ns = "Tests")
        {
            string key = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(onnx)) + kernel + className + ns;
            return Cache.GetOrAdd(key, _ =>
            {
                var result = ModelCompiler.Compile(onnx, new CompileOptions(className, ns, "model.onnx") { Kernel = kernel });
                Assert.True(result.Succeeded, "compile failed: " + string.Join("; ", result.Diagnostics));
                var model = GeneratedModel.Load(new[] { result.Source!, ModelCompiler.KernelsSource }, ns + "." + className);
                Assert.Empty(model.Warnings);
                return model;
            });
        }

        public static float[] RandomInput(int count, int seed, float scale = 1f)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        }
    }
}

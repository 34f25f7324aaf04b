using System.Reflection;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Sandbox.Gofer;

/// <summary>
/// Under the JIT, assemblies load lazily from the .NET install directory, which is gone after
/// pivot_root: load everything the Gofer references (transitively) while it is still visible.
/// NativeAOT has nothing to load.
/// </summary>
internal static class Preload
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only under the JIT, where nothing is trimmed.")]
    public static void Assemblies()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported) return;
        var seen = new HashSet<string>();
        var todo = new Stack<Assembly>();
        todo.Push(typeof(Preload).Assembly);
        while (todo.Count > 0)
        {
            var a = todo.Pop();
            foreach (var r in a.GetReferencedAssemblies())
            {
                if (r.Name == null || !seen.Add(r.Name)) continue;
                try { todo.Push(Assembly.Load(r)); }
                catch (Exception) { /* optional references; a missing one fails later with a clear error */ }
            }
        }
    }
}

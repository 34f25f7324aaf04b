using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Sandbox.Linux.Native;

/// <summary>
/// Under the JIT, assemblies load lazily from the .NET install directory, which is gone once a
/// process pivots into its confined root (the Gofer, the Sentry): load everything
/// <paramref name="root"/> references, transitively, while it is still visible. NativeAOT has
/// nothing to load.
/// </summary>
public static class AssemblyPreload
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only under the JIT, where nothing is trimmed.")]
    public static int From(Assembly root, Func<AssemblyName, bool>? follow = null)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported) return 0;
        var seen = new HashSet<string>();
        var todo = new Stack<Assembly>();
        todo.Push(root);
        while (todo.Count > 0)
        {
            var a = todo.Pop();
            foreach (var r in a.GetReferencedAssemblies())
            {
                if (r.Name == null || (follow != null && !follow(r)) || !seen.Add(r.Name)) continue;
                try { todo.Push(Assembly.Load(r)); }
                catch (Exception) { /* optional references; a missing one fails later with a clear error */ }
            }
        }
        return seen.Count;
    }
}

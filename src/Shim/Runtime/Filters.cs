using Google.Protobuf.Collections;

namespace Sandbox.Shim.Runtime;

public static class Filters
{
    /// <summary>A CRI label selector: every key must be present with exactly that value.</summary>
    public static bool Matches(MapField<string, string> labels, MapField<string, string> selector)
    {
        foreach (var (k, v) in selector)
            if (!labels.TryGetValue(k, out var have) || have != v) return false;
        return true;
    }
}

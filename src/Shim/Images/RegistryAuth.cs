using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sandbox.Shim.Images;

/// <summary>Credentials for one pull (from the CRI AuthConfig) and the bearer tokens they earn.</summary>
public sealed class RegistryAuth
{
    public string? Username { get; init; }
    public string? Password { get; init; }
    /// <summary>A registry (bearer) token given by the caller.</summary>
    public string? RegistryToken { get; init; }
    /// <summary>"user:password" base64, as in a docker config's "auth" field.</summary>
    public string? Auth { get; init; }

    private readonly Dictionary<string, string> _tokens = new();

    private (string User, string Password)? Basic()
    {
        if (!string.IsNullOrEmpty(Username)) return (Username!, Password ?? "");
        if (!string.IsNullOrEmpty(Auth))
        {
            var s = Encoding.UTF8.GetString(Convert.FromBase64String(Auth!));
            int c = s.IndexOf(':');
            if (c > 0) return (s[..c], s[(c + 1)..]);
        }
        return null;
    }

    public AuthenticationHeaderValue? HeaderFor(string endpoint)
        => _tokens.TryGetValue(endpoint, out var t) ? ToHeader(t) : !string.IsNullOrEmpty(RegistryToken) ? new AuthenticationHeaderValue("Bearer", RegistryToken) : null;

    private static AuthenticationHeaderValue ToHeader(string t)
        => t.StartsWith("Basic ", StringComparison.Ordinal) ? new AuthenticationHeaderValue("Basic", t[6..]) : new AuthenticationHeaderValue("Bearer", t);

    /// <summary>
    /// Answers a 401's challenge: Basic with the credentials, or Bearer by asking the token
    /// service named in the challenge (with the credentials, if any). Returns false when it cannot.
    /// </summary>
    public async Task<bool> AnswerChallengeAsync(HttpClient http, string endpoint, HttpResponseMessage response, CancellationToken ct)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge == null) return false;
        var basic = Basic();
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (basic == null || _tokens.ContainsKey(endpoint)) return false;
            _tokens[endpoint] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Value.User}:{basic.Value.Password}"));
            return true;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return false;
        var p = ParseParams(challenge.Parameter ?? "");
        if (!p.TryGetValue("realm", out var realm)) return false;
        var q = new List<string>();
        if (p.TryGetValue("service", out var service)) q.Add("service=" + Uri.EscapeDataString(service));
        if (p.TryGetValue("scope", out var scope)) q.Add("scope=" + Uri.EscapeDataString(scope));
        var req = new HttpRequestMessage(HttpMethod.Get, realm + (q.Count > 0 ? (realm.Contains('?') ? "&" : "?") + string.Join('&', q) : ""));
        if (basic != null)
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Value.User}:{basic.Value.Password}")));
        using var resp = await http.SendAsync(req, ct).ConfigureAwait(false);
        if (!resp.IsSuccessStatusCode) return false;
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        string? token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token) || _tokens.GetValueOrDefault(endpoint) == token) return false;
        _tokens[endpoint] = token;
        return true;
    }

    /// <summary>Parses `realm="...",service="...",scope="..."`.</summary>
    internal static Dictionary<string, string> ParseParams(string s)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ',' || s[i] == ' ')) i++;
            int eq = s.IndexOf('=', i);
            if (eq < 0) break;
            string key = s[i..eq].Trim();
            i = eq + 1;
            string val;
            if (i < s.Length && s[i] == '"')
            {
                int end = s.IndexOf('"', i + 1);
                if (end < 0) end = s.Length;
                val = s[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                int end = s.IndexOf(',', i);
                if (end < 0) end = s.Length;
                val = s[i..end].Trim();
                i = end;
            }
            d[key] = val;
        }
        return d;
    }
}

using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// A registry front that demands bearer tokens, as Docker Hub and most registries do: /v2/...
/// without a valid token answers 401 with a `Bearer realm=...,service=...,scope=...` challenge;
/// its /token endpoint gives a token for the right basic credentials (or anonymously, when
/// allowed); requests with the token are passed on to the real registry behind it.
/// </summary>
public sealed class TokenAuthProxy : IAsyncDisposable
{
    public const string User = "puller", Password = "s3cret", Token = "tok-123";
    private readonly WebApplication _app;
    private readonly HttpClient _backend = new();

    public string Host { get; }
    public List<string> ScopesAsked { get; } = new();

    private TokenAuthProxy(WebApplication app, string host) { _app = app; Host = host; }

    public static async Task<TokenAuthProxy> StartAsync(Uri backend, bool anonymousTokens = false)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        var app = b.Build();
        TokenAuthProxy? self = null;
        var http = new HttpClient();
        app.Map("/token", (HttpContext ctx) =>
        {
            lock (self!.ScopesAsked) self.ScopesAsked.Add(ctx.Request.Query["scope"].ToString());
            string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
            if (!anonymousTokens && ctx.Request.Headers.Authorization.ToString() != expected) return Results.StatusCode(401);
            return Results.Text($$"""{"token":"{{Token}}","expires_in":300}""", "application/json");
        });
        app.Map("/v2/{**rest}", async (HttpContext ctx) =>
        {
            if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            {
                string repo = ctx.Request.Path.Value!.Split("/manifests/")[0].Split("/blobs/")[0]["/v2/".Length..];
                ctx.Response.StatusCode = 401;
                ctx.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{self!.Host}/token\",service=\"test-registry\",scope=\"repository:{repo}:pull\"";
                return;
            }
            var req = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(backend, ctx.Request.Path + ctx.Request.QueryString));
            foreach (var a in ctx.Request.Headers.Accept) req.Headers.TryAddWithoutValidation("Accept", a);
            using var resp = await http.SendAsync(req);
            ctx.Response.StatusCode = (int)resp.StatusCode;
            if (resp.Content.Headers.ContentType is { } ct) ctx.Response.ContentType = ct.ToString();
            await resp.Content.CopyToAsync(ctx.Response.Body);
        });
        await app.StartAsync();
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new TokenAuthProxy(app, new Uri(addr).Authority);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _backend.Dispose();
    }
}

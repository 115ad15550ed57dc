using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// A GET with a body over HTTP/2 (cleartext, prior knowledge; Kestrel on loopback). HTTP/2 has no Transfer-Encoding,
/// and a body of unknown length has no Content-Length: the body is DATA frames after a HEADERS frame without
/// END_STREAM. The key ignores bodies, so such a request must neither be stored nor served; before the server's body
/// detection was consulted, the attacker's response was stored and served to the next clean request.
/// </summary>
public sealed class Http2BodyTests
{
    [Fact]
    public async Task Get_Http2BodyWithoutLengthHeaders_IsNeitherStoredNorServedFromTheCache()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton<CallCounter>();
        builder.Services.AddHybridCacheKit();
        builder.Services.AddDistributedResponseCache();
        await using var app = builder.Build();
        app.UseDistributedResponseCache();
        app.MapGet("/fat", async (HttpContext ctx, CallCounter c) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            return $"{c.Next("fat")}|{ctx.Request.Protocol}|body={await reader.ReadToEndAsync()}";
        }).CacheResponse();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient
        {
            BaseAddress = new Uri(address),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var attack = new HttpRequestMessage(HttpMethod.Get, "/fat")
        {
            Content = new UnknownLengthContent("evil"),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var attacked = await client.SendAsync(attack);
        var victim = await client.GetStringAsync("/fat");

        Assert.Equal("1|HTTP/2|body=evil", await attacked.Content.ReadAsStringAsync());
        Assert.Null(attack.Content.Headers.ContentLength);
        Assert.Equal("2|HTTP/2|body=", victim);
        Assert.Equal(victim, await client.GetStringAsync("/fat"));
        await app.StopAsync();
    }

    /// <summary>A body whose length the client does not know, so it sends no Content-Length.</summary>
    private sealed class UnknownLengthContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

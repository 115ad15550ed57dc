using HybridCacheKit;

namespace HybridCacheKit.MvcSample;

/// <summary>
/// MVC controllers with <c>[Cached]</c> and <c>[InvalidatesTags]</c>. Runs on one node with an in-process L2, or on
/// Redis with <c>--Redis host:port</c> (then every node shares responses and invalidations).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5090");
        }

        var cache = builder.Services.AddHybridCacheKit();
        var redis = builder.Configuration["Redis"];
        if (string.IsNullOrEmpty(redis))
        {
            builder.Services.AddDistributedMemoryCache();
        }
        else
        {
            cache.AddStackExchangeRedis(options =>
            {
                options.Configuration = redis;
                options.InstanceName = "mvc-sample:";
            });
        }

        builder.Services.AddDistributedResponseCache(options =>
            options.AddPolicy("catalog", policy => policy.Duration(TimeSpan.FromMinutes(5)).Tags("products")));
        builder.Services.AddControllers();
        builder.Services.AddSingleton<ProductStore>();

        var app = builder.Build();
        app.UseRouting();
        app.UseDistributedResponseCache();
        app.MapControllers();
        return app;
    }
}

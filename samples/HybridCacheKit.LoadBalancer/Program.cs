using Yarp.ReverseProxy.Configuration;

// A round-robin front for the load-balanced demo: every request goes to the next node, so a session or a cached
// response that "sticks" only works because the nodes share them through Redis.
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var nodes = (builder.Configuration["Nodes"] ?? "http://127.0.0.1:5081,http://127.0.0.1:5082")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

var routes = new[]
{
    new RouteConfig
    {
        RouteId = "all",
        ClusterId = "nodes",
        Match = new RouteMatch { Path = "{**catch-all}" },
        // Keep the client's Host header: the response cache keys on it, so both nodes must see the same one (YARP would
        // otherwise send each node its own address, and the nodes would cache the same page under different keys).
        Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
    },
};
var clusters = new[]
{
    new ClusterConfig
    {
        ClusterId = "nodes",
        LoadBalancingPolicy = "RoundRobin",
        Destinations = nodes.Select((address, i) => (address, i))
            .ToDictionary(n => $"node{n.i + 1}", n => new DestinationConfig { Address = n.address }),
    },
};

builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

var app = builder.Build();
app.MapReverseProxy();
app.Run();

using System.Globalization;
using StackExchange.Redis;

namespace HybridCacheKit.LoadTest.Redis;

/// <summary>
/// Redis's own accounting (INFO cpu and commandstats), summed over every master: taken before and after the timed
/// window, the difference says how much server CPU and how many commands of each kind one operation cost.
/// </summary>
internal sealed record RedisStats(double CpuSeconds, Dictionary<string, CommandStat> Commands)
{
    public static async Task<RedisStats> TakeAsync(ConnectionMultiplexer admin)
    {
        double cpu = 0;
        var commands = new Dictionary<string, CommandStat>(StringComparer.Ordinal);
        foreach (var endpoint in admin.GetEndPoints())
        {
            var server = admin.GetServer(endpoint);
            if (server.IsSlave || !server.IsConnected)
            {
                continue;
            }

            foreach (var group in await server.InfoAsync("cpu").ConfigureAwait(false))
            {
                foreach (var pair in group)
                {
                    if (pair.Key is "used_cpu_sys" or "used_cpu_user")
                    {
                        cpu += double.Parse(pair.Value, CultureInfo.InvariantCulture);
                    }
                }
            }

            foreach (var group in await server.InfoAsync("commandstats").ConfigureAwait(false))
            {
                foreach (var pair in group)
                {
                    // cmdstat_get -> calls=12,usec=34,usec_per_call=2.83,...
                    var name = pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal) ? pair.Key["cmdstat_".Length..] : pair.Key;
                    long calls = 0;
                    long usec = 0;
                    foreach (var field in pair.Value.Split(','))
                    {
                        var eq = field.IndexOf('=', StringComparison.Ordinal);
                        if (eq < 0)
                        {
                            continue;
                        }

                        var fieldName = field[..eq];
                        if (fieldName == "calls")
                        {
                            calls = long.Parse(field[(eq + 1)..], CultureInfo.InvariantCulture);
                        }
                        else if (fieldName == "usec")
                        {
                            usec = long.Parse(field[(eq + 1)..], CultureInfo.InvariantCulture);
                        }
                    }

                    commands[name] = commands.TryGetValue(name, out var existing)
                        ? new CommandStat(existing.Calls + calls, existing.Microseconds + usec)
                        : new CommandStat(calls, usec);
                }
            }
        }

        return new RedisStats(cpu, commands);
    }

    public RedisStats Minus(RedisStats earlier)
    {
        var commands = new Dictionary<string, CommandStat>(StringComparer.Ordinal);
        foreach (var (name, stat) in Commands)
        {
            var before = earlier.Commands.TryGetValue(name, out var b) ? b : new CommandStat(0, 0);
            if (stat.Calls - before.Calls > 0)
            {
                commands[name] = new CommandStat(stat.Calls - before.Calls, stat.Microseconds - before.Microseconds);
            }
        }

        return new RedisStats(CpuSeconds - earlier.CpuSeconds, commands);
    }
}

/// <summary>Calls of one Redis command and the server time they took.</summary>
internal sealed record CommandStat(long Calls, long Microseconds);

using Rampart.Smtp.Session;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's limits: the bounds the SMTP engine enforces on each session (defaults and reasons in <see cref="SmtpLimits"/>).</summary>
internal static class LimitsSection
{
    public static SmtpLimits Read(Section? s)
    {
        var d = new SmtpLimits();
        if (s is null) return d;
        var limits = new SmtpLimits
        {
            MaxCommandLine = s.Int("max_command_line", d.MaxCommandLine, 512, 65536),
            MaxTextLine = s.Int("max_text_line", d.MaxTextLine, 998, 16 * 1024 * 1024),
            MaxMessageSize = s.Size("max_message_size", d.MaxMessageSize, 1024, 2L * 1024 * 1024 * 1024),
            MaxRecipients = s.Int("max_recipients", d.MaxRecipients, 1, 100000),
            MaxMessagesPerConnection = s.Int("max_messages_per_connection", d.MaxMessagesPerConnection, 1, 1000000),
            MaxErrors = s.Int("max_errors", d.MaxErrors, 1, 1000),
            MaxReceivedHeaders = s.Int("max_received_headers", d.MaxReceivedHeaders, 1, 1000),
            CommandTimeout = s.Duration("command_timeout", d.CommandTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            DataTimeout = s.Duration("data_timeout", d.DataTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            GreetingDelay = s.Duration("greeting_delay", d.GreetingDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            TlsHandshakeTimeout = s.Duration("tls_handshake_timeout", d.TlsHandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            MaxSessionDuration = s.Duration("max_session_duration", d.MaxSessionDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            MaxDataDuration = s.Duration("max_data_duration", d.MaxDataDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            MinDataRate = s.Int("min_data_rate", d.MinDataRate, 0, 1_000_000_000),
            MinDataRateGrace = s.Duration("min_data_rate_grace", d.MinDataRateGrace, TimeSpan.Zero, TimeSpan.FromHours(1)),
            MaxJunkCommands = s.Int("max_junk_commands", d.MaxJunkCommands, 1, 1000000),
            MaxConnections = s.Int("max_connections", d.MaxConnections, 1, 1000000),
            MaxConnectionsPerClient = s.Int("max_connections_per_client", d.MaxConnectionsPerClient, 1, 1000000),
        };
        // Unset, it follows a max_message_size set below it; set, it must fit in the message.
        limits = limits with
        {
            MaxHeaderSize = s.Size("max_header_size", Math.Min(d.MaxHeaderSize, limits.MaxMessageSize), 1024, 2L * 1024 * 1024 * 1024),
        };
        if (limits.MaxHeaderSize > limits.MaxMessageSize)
        {
            throw s.Error("max_header_size", $"must not be larger than max_message_size ({limits.MaxMessageSize} bytes)");
        }
        s.Finish();
        return limits;
    }
}

using Rampart.Policy.Spf;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's SPF check at MAIL FROM (inbound listeners only): what each result does. Present (even empty:
/// <c>spf: {}</c>) turns it on with the defaults of <see cref="SpfCheckOptions"/>.
/// </summary>
internal static class SpfSection
{
    public static SpfCheckOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new SpfCheckOptions();
        var options = new SpfCheckOptions(
            RejectFail: s.Choice("fail", d.RejectFail, ("reject", true), ("none", false)),
            DeferTempError: s.Choice("temperror", d.DeferTempError, ("accept", false), ("defer", true)),
            RejectPermError: s.Choice("permerror", d.RejectPermError, ("accept", false), ("reject", true)));
        s.Finish();
        return options;
    }
}

namespace Rampart.Mail;

/// <summary>
/// Every event Rampart logs, by stable id: the one list that log lines use today and that tracking and metrics
/// build on. Each id is used by exactly one <c>[LoggerMessage]</c> declaration, whose method has the constant's
/// name and whose template names the fields; <c>docs/events.md</c> is generated from them and kept equal by
/// <c>EventCatalogueTests</c>. Ids never change meaning: a retired id is not reused.
/// </summary>
public static class EventCatalogue
{
    // 1000–1099: SMTP engine (Rampart.Smtp)
    public const int SessionStarted = 1000;
    public const int SessionEnded = 1001;
    public const int SessionTimedOut = 1002;
    public const int SessionLost = 1003;
    public const int SessionFault = 1004;
    public const int TlsStarted = 1005;
    public const int PlaintextDiscarded = 1006;
    public const int ForbiddenCommand = 1007;
    public const int SpoolFailed = 1008;
    public const int ImproperPipelining = 1009;
    public const int Transaction = 1010;
    public const int Listening = 1020;
    public const int ProxyUntrusted = 1022;
    public const int ProxyHeaderRefused = 1023;
    public const int ProxyHeaderRead = 1024;
    public const int AcceptFailed = 1025;
    public const int Authenticated = 1030;
    public const int AuthFailed = 1031;
    public const int Refused = 1040;
    public const int PregreetTalker = 1050;
    public const int ContentBeforeGoAhead = 1060;
    public const int SessionTimeLimit = 1071;
    public const int DataTimeLimit = 1072;
    public const int DataTooSlow = 1073;
    public const int TooManyJunkCommands = 1074;

    // 2000–2099: Queue (Rampart.Queue)
    public const int DiscardedPartial = 2001;
    public const int MovedToCorrupt = 2002;
    public const int PickupFailed = 2003;
    public const int ChecksumFailed = 2050;
    public const int QueueRecovered = 2090;
    public const int QueueRecoveryFailed = 2091;

    // 2100–2199: Pickup folder
    public const int ReleasedFromQuarantine = 2101;
    public const int PickupWatchFailed = 2102;

    // 2200–2299: Queue administration (hold, release, flush, retry, delete; the admin API and `rampart queue`)
    public const int MessageHeld = 2201;
    public const int HoldReleased = 2202;
    public const int RetryRequested = 2203;
    public const int Flushed = 2204;
    public const int MessageDeleted = 2205;
    public const int DeletePending = 2206;
    public const int QuarantineReleasedByAdmin = 2207;
    public const int QuarantineDeletedByAdmin = 2208;
    public const int StoppedQueueChanged = 2209;

    // 3000–3299: Delivery (Rampart.Delivery)
    public const int RecipientOutcome = 3001;
    public const int AttemptFailed = 3002;
    public const int Deferred = 3003;
    public const int Done = 3004;
    public const int DestinationDown = 3005;
    public const int WorkerFailed = 3006;
    public const int CloseFailed = 3007;
    public const int Vanished = 3008;
    public const int Queued = 3101;
    public const int Dropped = 3102;
    public const int DoubleBounceDiscarded = 3103;
    public const int NameServerSkipped = 3201;

    // 3300–3349: MTA-STS and REQUIRETLS (Rampart.Delivery/TlsPolicies/MtaSts)
    public const int MtaStsPolicyFetched = 3300;
    public const int MtaStsFetchFailed = 3301;
    public const int MtaStsRecordUnusable = 3302;
    public const int MtaStsCacheUnreadable = 3303;
    public const int MtaStsCacheWriteFailed = 3304;
    public const int MtaStsRefused = 3310;
    public const int MtaStsTestingFailure = 3311;
    public const int TlsRequiredNoHonoured = 3320;
    public const int RequireTlsUnmet = 3321;
    // 3350–3399: DANE for SMTP (Rampart.Delivery/TlsPolicies/Dane)
    public const int DaneTlsaMismatch = 3350;
    public const int DaneVerified = 3351;
    public const int DaneNotApplicable = 3352;
    public const int DaneLookupFailed = 3353;
    public const int DaneUnusableOnly = 3354;
    public const int DaneRequiredMissing = 3355;

    // 4000–4099: Session handler (Rampart/Gateway)
    public const int CommitFailed = 4001;
    public const int Shortage = 4002;
    public const int Quarantined = 4003;

    // 4100–4199: Recipient validation (Rampart.Policy/Recipients)
    public const int UnknownRecipient = 4101;
    public const int SourceFailed = 4102;
    public const int SourceUnavailable = 4103;
    public const int ListMissing = 4110;
    public const int ListBadLine = 4111;
    public const int ListLoaded = 4112;
    public const int ListUnreadable = 4113;
    public const int LdapTooManyWaiting = 4120;
    public const int LdapNoAnswer = 4121;
    public const int LdapFailed = 4122;
    public const int NotAsked = 4150;
    public const int NoAnswer = 4151;

    // 4230–4249: SPF (Rampart.Policy/Spf)
    public const int SpfChecked = 4230;
    public const int SpfRefused = 4231;
    public const int SpfDnsError = 4232;

    // 4250–4269: Greylisting (Rampart.Policy/Greylisting)
    public const int Greylisted = 4250;
    public const int GreylistPassed = 4251;
    public const int GreylistExempt = 4252;
    public const int GreylistStoreFailed = 4253;
    public const int GreylistPendingCapReached = 4254;

    // 4270–4299: Spam scoring by Rspamd (Rampart.Policy.Spam)
    public const int SpamScored = 4270;
    public const int SpamScanFailed = 4271;
    public const int SpamTooLargeToScan = 4272;

    // 4480–4499: DKIM signing of outbound mail (Rampart.Policy/DkimSigning)
    public const int DkimSigned = 4480;
    public const int DkimNotSigned = 4481;
    public const int DkimSigningFailed = 4482;

    // 4500–4519: Header hygiene (Rampart.Policy/HeaderHygiene)
    public const int HeaderFieldsRemoved = 4500;
    public const int HeaderFieldsAdded = 4501;

    // 4350–4399: The spam verdict: weights table, SCL, sender lists (Rampart.Policy/Scoring, Spam/SpamFilter)
    public const int ScoringVerdict = 4350;
    public const int SenderBlocked = 4351;
    public const int SafeSenderSkipped = 4352;

    // 4400–4449: Transport rules (Rampart.Policy/Rules)
    public const int RuleActionTaken = 4400;
    public const int RuleRegexTimedOut = 4401;
    public const int RuleMessageUnreadable = 4402;

    // 4200–4229: DNS service and DNS block/allow lists (Rampart.Dns, Rampart.Policy/DnsLists)
    public const int DnsListFailed = 4200;
    public const int DnsListScore = 4201;
    public const int DomainListFailed = 4202;
    public const int DomainListScore = 4203;
    public const int LinksNotRead = 4204;

    // 4300–4349: DKIM, ARC, DMARC and Authentication-Results (Rampart.Policy/SenderAuth)
    public const int SenderAuthChecked = 4300;
    public const int DmarcRejected = 4301;
    public const int DmarcQuarantined = 4302;
    public const int ForgedAuthResultsRemoved = 4303;
    public const int SenderAuthUnreadable = 4304;
    public const int DmarcOverriddenByArc = 4305;

    // 4450–4479: Envelope and MIME primitives of the transport rules' actions (Rampart.Policy/Rules/Actions, their plumbing)
    public const int MessageDiscarded = 4450;
    public const int RecipientAdded = 4451;
    public const int RecipientRedirected = 4452;
    public const int RouteChosen = 4453;
    public const int ChosenRouteMissing = 4454;

    // 5000–5199: Virus scanning and quarantine re-scan
    public const int VirusFound = 5001;
    public const int TooLargeToScan = 5002;
    public const int ScanFailed = 5003;
    public const int RescanStarted = 5101;
    public const int RescanReleased = 5102;
    public const int RescanFoundThreat = 5103;
    public const int RescanFailed = 5104;
    public const int RescanOfMessageFailed = 5105;

    // 6000–6099: Configuration and reload
    public const int ReloadReading = 6001;
    public const int ReloadRefused = 6002;
    public const int ReloadApplied = 6003;
    public const int ReloadNeedsRestart = 6004;
    public const int ReloadWhileStopping = 6005;
    public const int ReloadFailed = 6006;

    // 6100–6199: Commands and process
    public const int HangupWhileStarting = 6101;
    public const int CannotStart = 6102;
    public const int GatewayStarted = 6103;
    public const int ConfigurationWarning = 6104;
    public const int GatewayStopping = 6105;
    public const int GroupCommit = 6106;

    // 6150–6199: service manager (systemd) and packaging
    public const int ServiceNotifyFailed = 6150;
    public const int CpuSchedulingBatch = 6151;
    public const int CpuSchedulingRefused = 6152;

    // 6200–6249: Admin API (Rampart/Admin)
    public const int AdminListening = 6200;
    public const int AdminCall = 6201;
    public const int AdminUnauthorized = 6202;
    public const int AdminTokenCreated = 6203;

    // 6250–6299: Metrics and health
    public const int NotReady = 6250;
    public const int ReadyAgain = 6251;
    public const int ReadinessChanged = 6252;
    // 6300–6349: Message tracking (Rampart.Tracking)
    public const int TrackingStarted = 6300;
    public const int TrackingDropped = 6301;
    public const int TrackingWriteFailed = 6302;
    public const int TrackingPurged = 6303;
    public const int TrackingPurgeFailed = 6304;
    public const int TrackingStoreMovedAside = 6305;
    public const int TrackingUnavailable = 6306;
}

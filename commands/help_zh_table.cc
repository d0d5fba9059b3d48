// The Chinese of every description of the `ledger` command line (help_zh.h):
// the exact English text a subcommand file gives CLI11 -> its Chinese.
// Option names, environment variables and codes stay as typed.
#include <map>
#include <string_view>

#include "commands/help_zh.h"

namespace xueji {

const std::map<std::string_view, std::string_view, std::less<>>&
ChineseHelpTable() {
  static const auto* table = new std::map<std::string_view, std::string_view,
                                          std::less<>>{
      {"ledger — the national preschool enrollment register "
       "(全国学前儿童学籍).\nEvery change to a child's record is an immutable "
       "event in a hash-chained\nlog; read models answer who is enrolled "
       "where, what happened, and which\nrecords are problems. Start with "
       "`ledger init`. LEDGER_NOW (RFC 3339)\nfixes the clock of a development "
       "ledger.",
       "ledger —— "
       "全国学前儿童学籍登记簿。\n幼儿学籍的每一次变动都是哈希链日志中不可更改"
       "的一条事件；\n读模型回答：谁在哪里在籍、发生了什么、哪些是问题学籍。\n"
       "请先运行 `ledger init`。LEDGER_NOW（RFC 3339）固定开发账本的时钟。"},
      {"Environment: LEDGER_DATA, LEDGER_KAFKA, LEDGER_KAFKA_CONFIG and "
       "LEDGER_TOPIC_PREFIX stand for the options above; LEDGER_NOW (RFC 3339) "
       "fixes the ledger clock; LEDGER_LOCK_TIMEOUT (default 10s) is how long "
       "a writer waits for the lock; LEDGER_KAFKA_TIMEOUT (default 30s) how "
       "long a Kafka submit waits for its answers. The ledger's day is Beijing "
       "time (UTC+8).",
       "环境变量：LEDGER_DATA、LEDGER_KAFKA、LEDGER_KAFKA_CONFIG 和 "
       "LEDGER_TOPIC_PREFIX 代替上面的同名选项；LEDGER_NOW（RFC "
       "3339）固定账本时钟；LEDGER_LOCK_TIMEOUT（默认 "
       "10s）为写入者等待锁的时长；LEDGER_KAFKA_TIMEOUT（默认 30s）为 Kafka "
       "模式提交等待答复的时长。账本的日期按北京时间（UTC+8）计算。"},
      {"print the version and exit", "显示版本号并退出"},
      {"Print this help message and exit", "显示本帮助并退出"},
      {"zh or en: the language of tables and messages (JSON, CSV and codes "
       "never change); default zh when LC_ALL, LC_MESSAGES or LANG is a zh "
       "locale (zh_CN.UTF-8), else en",
       "zh 或 en：表格和消息的语言（JSON、CSV "
       "和代码不变）；LC_ALL、LC_MESSAGES 或 LANG "
       "为中文区域设置（zh_CN.UTF-8）时默认 zh，否则 en"},
      {"data directory", "数据目录"},
      {"read as this operator: "
       "show/find/list/history/anomalies/stats/status/access-log see only "
       "their region and are recorded in the access log under their name (Art. "
       "22; required on a production ledger, or --key)",
       "以该操作员身份读取：show/find/list/history/anomalies/stats/status/"
       "access-log "
       "只能看到其管辖区域，并以其名义记入访问日志（第二十二条；生产账本必填，"
       "或用 --key）"},
      {"sign with this operator's Ed25519 key (PEM, from `ledger keygen`): "
       "submit and registry load sign every batch, and the key's operator is "
       "the actor; digest is signed with it; a read is then the key's "
       "operator's",
       "用该操作员的 Ed25519 密钥签名（PEM，由 `ledger keygen` 生成）：submit "
       "和 registry load 对每批请求签名，密钥的操作员即为操作人；digest "
       "也用它签名；读取则记在该密钥的操作员名下"},
      {"Kafka mode: bootstrap servers host:port,... (none = the embedded log)",
       "Kafka 模式：引导服务器 host:port,...（不设则使用内嵌日志）"},
      {"librdkafka properties file (name=value lines: bootstrap.servers, "
       "security.protocol, sasl.*, ssl.*)",
       "librdkafka 配置文件（每行 "
       "name=value：bootstrap.servers、security.protocol、sasl.*、ssl.*）"},
      {"Kafka topic prefix: PREFIX.requests/.events/.results/.registry "
       "(default: xueji)",
       "Kafka 主题前缀：PREFIX.requests/.events/.results/.registry（默认 "
       "xueji）"},
      {"queries read this views store (e.g. a running projector's) instead of "
       "DATA/views",
       "查询读取此视图库（例如正在运行的投影器的），而不是 DATA/views"},
      {"Print the help of ledger, or of COMMAND (ledger help registry load).",
       "显示 ledger 或 COMMAND 的帮助（ledger help registry load）。"},
      {"a command, and its subcommand", "命令及其子命令"},
      {"Generate a synthetic workload with planted problems (deterministic, "
       "constant memory).",
       "生成带有预埋问题的合成工作负载（结果确定，内存占用恒定）。"},
      {"Writes DIR/registry.jsonl (counties from GB/T 2260, ~140 children per "
       "kindergarten, ~90 kindergartens per county, a registrar each, an "
       "approver per county, an officer and auditor per province), "
       "DIR/requests.jsonl (school years of admissions, approvals, number "
       "conversions, transfers, leaves, deferrals, key-info edits, "
       "verification passes and graduations, in date order), DIR/planted.jsonl "
       "(each planted problem: the anomaly `ledger anomalies` must report, or "
       "the rejection code a request must get) and DIR/summary.json (counts; "
       "the LEDGER_NOW to load and submit with, and the as-of date to evaluate "
       "anomalies at). Rates are probabilities per eligible child.",
       "写出 DIR/registry.jsonl（区县取自 GB/T 2260，每园约 140 "
       "名幼儿，每区县约 90 "
       "所幼儿园，每园一名学籍管理员，每区县一名审核员，每省一名主管和一名审计"
       "员）、DIR/"
       "requests."
       "jsonl（按日期排列的若干学年的入园、审核、学籍号转换、转学、离园、缓入学"
       "、关键信息修改、核查和毕业请求）、DIR/"
       "planted.jsonl（每个预埋问题：`ledger anomalies` "
       "必须报告的问题学籍，或某请求必须得到的拒绝代码）和 "
       "DIR/summary.json（各项计数；加载和提交时使用的 "
       "LEDGER_"
       "NOW，以及评估问题学籍的截至日期）。各比率为每名符合条件幼儿的概率。"},
      {"number of children", "幼儿人数"},
      {"random seed (default 1)", "随机种子（默认 1）"},
      {"output directory (default gen-out)", "输出目录（默认 gen-out）"},
      {"school years to simulate, 1-20 (default 1)",
       "模拟的学年数，1-20（默认 1）"},
      {"autumn of the first school year (default 2025)",
       "第一个学年的秋季所在年份（默认 2025）"},
      {"second admission of an enrolled child elsewhere "
       "(DUPLICATE_REGISTRATION rejection)",
       "在籍幼儿在别处再次入园（被拒绝：DUPLICATE_REGISTRATION）"},
      {"undocumented twin admitted elsewhere (PROBABLE_DUPLICATE)",
       "无证件的双胞胎在别处入园（PROBABLE_DUPLICATE）"},
      {"child left out of the last verification (PHANTOM)",
       "幼儿未出现在最近一次核查中（PHANTOM）"},
      {"transfer out never transferred in (OVERDUE_TRANSFER, PHANTOM)",
       "转出后从未转入（OVERDUE_TRANSFER、PHANTOM）"},
      {"admission approved late or never (LATE_ESTABLISHMENT, "
       "OVERDUE_APPROVAL)",
       "入园审核过晚或从未审核（LATE_ESTABLISHMENT、OVERDUE_APPROVAL）"},
      {"first admission attempt with a wrong check digit (INVALID_ID_NUMBER "
       "rejection)",
       "首次入园申请的校验位错误（被拒绝：INVALID_ID_NUMBER）"},
      {"the least level of the log lines on stderr: debug, info, warn or error "
       "(default info)",
       "stderr 上日志行的最低级别：debug、info、warn 或 error（默认 info）"},
      {"Kafka mode: run a request processor, a member of the consumer group on "
       "PREFIX.requests. The member owning the partition decides every request "
       "(state in DATA/state, restored from PREFIX.events), journals and "
       "appends the events and answers on PREFIX.results; others stand by. "
       "Runs until SIGTERM/SIGINT.",
       "Kafka 模式：运行请求处理器，即 PREFIX.requests "
       "上消费者组的成员。拥有该分区的成员决定每个请求（状态保存在 "
       "DATA/state，从 PREFIX.events 恢复），记录日志、追加事件并在 "
       "PREFIX.results 上答复；其余成员待命。运行到收到 SIGTERM/SIGINT 为止。"},
      {"use Kafka transactions (transactional.id PREFIX.processor fences a "
       "replaced processor)",
       "使用 Kafka 事务（transactional.id PREFIX.processor "
       "屏蔽被取代的处理器）"},
      {"requests decided per batch", "每批决定的请求数"},
      {"consumer group (default PREFIX.processor)",
       "消费者组（默认 PREFIX.processor）"},
      {"serve Prometheus metrics on HOST:PORT (GET /metrics; e.g. "
       "127.0.0.1:9464; port 0 picks one and logs it); default off",
       "在 HOST:PORT 上提供 Prometheus 指标（GET /metrics；例如 "
       "127.0.0.1:9464；端口 0 则自动选择并记入日志）；默认关闭"},
      {"serve Prometheus metrics on HOST:PORT (GET /metrics; e.g. "
       "127.0.0.1:9465; port 0 picks one and logs it); default off",
       "在 HOST:PORT 上提供 Prometheus 指标（GET /metrics；例如 "
       "127.0.0.1:9465；端口 0 则自动选择并记入日志）；默认关闭"},
      {"Make an Ed25519 key pair: the private key to KEYFILE (PEM, mode 0600, "
       "never overwritten), the public key (base64 of its raw 32 bytes, as "
       "registry lines' \"publicKey\" and `init --root-key` take it) on "
       "standard output.",
       "生成 Ed25519 密钥对：私钥写入 KEYFILE（PEM，权限 "
       "0600，绝不覆盖），公钥（32 字节原始值的 base64，即登记行的 "
       "\"publicKey\" 和 `init --root-key` 所用的格式）输出到标准输出。"},
      {"the private key file to create", "要创建的私钥文件"},
      {"Make a ledger: --root-key PUBFILE for a PRODUCTION ledger (signed "
       "batches only; its national OFFICER, --root-id, default \"root\", org "
       "\"00\", holds the key keygen printed into PUBFILE), or --dev for a "
       "DEVELOPMENT one (unsigned requests taken at their actor, LEDGER_NOW "
       "honoured). Every other command refuses a data directory that was never "
       "initialised; init refuses one that was.",
       "创建账本：--root-key PUBFILE "
       "创建生产账本（只接受签名的批次；由其全国主管 OFFICER（--root-id，默认 "
       "\"root\"，机构 \"00\"）持有 keygen 写入 PUBFILE 的密钥），--dev "
       "创建开发账本（未签名的请求以其 actor 为准，遵从 "
       "LEDGER_NOW）。其他命令都拒绝未初始化的数据目录；init 拒绝已初始化的。"},
      {"file holding the national root public key (base64, as `ledger keygen` "
       "prints it)",
       "存放全国根公钥的文件（base64，即 `ledger keygen` 输出的格式）"},
      {"the national officer's operator id (default root)",
       "全国主管的操作员编号（默认 root）"},
      {"a development ledger", "开发账本"},
      {"with --dev: this ledger id (32 lowercase hex digits) instead of a "
       "random one, so that two development ledgers fed the same requests at "
       "the same clock are byte for byte the same (simulations, tests)",
       "与 --dev 同用：使用此账本编号（32 "
       "位小写十六进制）而非随机编号，使在相同时钟下输入相同请求的两个开发账本"
       "逐字节相同（用于模拟和测试）"},
      {"Rebuild every view (and a damaged decider state) from the log, beside "
       "the live ones, then swap them in. Refuses (exit 3) a log that fails "
       "verification or holds less than the state or the views have seen.",
       "从日志重建所有视图（以及损坏的决策状态），在现有视图旁边重建，完成后替"
       "换。日志校验失败，或日志少于状态或视图已见过的内容时拒绝（退出码 "
       "3）。"},
      {"RFC 3339 time: only events recorded up to it. The views stay as of "
       "then (queries say so on stderr) until a plain replay or the next "
       "submit brings them up to date",
       "RFC 3339 时间：只用截至该时间记录的事件。视图停留在该时刻（查询会在 "
       "stderr 上说明），直到一次普通的 replay 或下一次 submit 将其更新"},
      {"rebuild from the log even though it fails verification or is behind "
       "the state or the views: what it lacks is lost for good, altered events "
       "are taken as they are",
       "即使日志校验失败或落后于状态或视图也从日志重建：日志缺少的内容将永久丢"
       "失，被篡改的事件按原样采用"},
      {"Check the log's hash chains and every store of the data directory "
       "(checksums of the log, the state and the views; the log holds what "
       "they have seen); non-zero exit (3) on any damage, which also marks the "
       "directory damaged until a verify or replay finds it whole.",
       "检查日志的哈希链和数据目录中的每个存储（日志、状态和视图的校验和；日志"
       "包含它们已见过的内容）；发现任何损坏时以非零退出（3），并将目录标记为已"
       "损坏，直到 verify 或 replay 确认其完好。"},
      {"also rebuild the views up to their own checkpoints in a scratch "
       "directory and compare (with global --views DIR in Kafka mode: that "
       "store)",
       "同时在临时目录中将视图重建到其自身的检查点并比较（Kafka 模式下配合全局 "
       "--views DIR：比较该存储）"},
      {"print the report as JSON (xueji.v1.VerifyReport; hashes in hex)",
       "以 JSON 输出报告（xueji.v1.VerifyReport；哈希为十六进制）"},
      {"a digest file (`ledger digest --out`): also check that the log still "
       "holds, at each partition head it signed, the event with that hash on "
       "an intact chain, and the signature against the key the log registered "
       "for its signer (exit 3 naming the partition)",
       "摘要文件（`ledger digest "
       "--out`"
       "）：同时检查日志在摘要签署的每个分区头处仍保存着具有该哈希且链条完整的"
       "事件，并用日志为签署人登记的密钥核对签名（不符时退出码 3 并指明分区）"},
      {"Write a signed digest of the log (protobuf JSON LedgerDigest: the "
       "ledger id, the time, every partition's head offset and hash, signed "
       "with --key): kept elsewhere, `ledger verify --digest FILE` proves the "
       "log was not rewritten since. With --views (or global --views DIR): "
       "print the SHA-256 digest of a views store instead, read beside any "
       "writer: equal digests, equal views.",
       "写出日志的签名摘要（protobuf JSON 的 "
       "LedgerDigest：账本编号、时间、每个分区头的偏移量和哈希，用 --key "
       "签名）：另行保存后，`ledger verify --digest FILE` "
       "可证明此后日志未被改写。使用 --views（或全局 --views "
       "DIR）时改为输出视图库的 SHA-256 "
       "摘要，可在写入者运行时读取：摘要相同即视图相同。"},
      {"write the digest to this new file (mode 0600, never overwritten) "
       "instead of standard output",
       "将摘要写入此新文件（权限 0600，绝不覆盖），而不是标准输出"},
      {"the views digest: of DIR if given, else DATA/views",
       "视图摘要：给出 DIR 时为 DIR 的，否则为 DATA/views 的"},
      {"with --views: digest what the views answer, leaving out where the "
       "events sit in the log (offsets, hashes, checkpoints): equal for an "
       "embedded store and a Kafka replica with transactions that hold the "
       "same events",
       "与 --views "
       "同用：只对视图的查询结果做摘要，不含事件在日志中的位置（偏移量、哈希、"
       "检查点）：内嵌存储与启用事务的 Kafka 副本含相同事件时摘要相同"},
      {"Write the FileDescriptorSet of every file in proto/ (events, requests, "
       "views, state, processor journal; as installed in "
       "share/xueji/xueji.desc), for protoc --decode and other consumers.",
       "写出 proto/ 中所有文件的 "
       "FileDescriptorSet（事件、请求、视图、状态、处理器日志；与安装在 "
       "share/xueji/xueji.desc 的相同），供 protoc --decode "
       "及其他使用者使用。"},
      {"output file (default: standard output)", "输出文件（默认：标准输出）"},
      {"Kafka mode: keep the views store of --views DIR up to date with the "
       "events topic (a full replica; its own consumer group).",
       "Kafka 模式：使 --views DIR "
       "的视图库与事件主题保持同步（完整副本；独立的消费者组）。"},
      {"consumer group id (default: PREFIX.projector.HOSTNAME; one per "
       "replica)",
       "消费者组编号（默认 PREFIX.projector.HOSTNAME；每个副本一个）"},
      {"exit once the views reach the topic's end as of start",
       "视图追上启动时主题的末尾后退出"},
      {"One child's record by student number (current or former).",
       "按学籍号（现用或曾用）查询一名幼儿的学籍。"},
      {"student number (学籍号)", "学籍号"},
      {"JSON instead of a table", "输出 JSON 而不是表格"},
      {"Records by identity document.", "按身份证件查询学籍。"},
      {"document type (any case)", "证件类型（不区分大小写）"},
      {"document number", "证件号码"},
      {"Records at a kindergarten (live ones unless --all).",
       "某幼儿园的学籍（除非 --all，只列现有学籍）。"},
      {"kindergarten code", "幼儿园代码"},
      {"include records that left, graduated, were cancelled or moved on",
       "包括已离园、已毕业、已注销或已转出的学籍"},
      {"CSV for a spreadsheet (UTF-8 with a BOM, JSON field names as headers)",
       "输出供电子表格使用的 CSV（带 BOM 的 UTF-8，以 JSON 字段名为表头）"},
      {"Every event of a record: who did what, when; with --as-of, the record "
       "as it stood then.",
       "一条学籍的全部事件：谁在何时做了什么；使用 --as-of "
       "时显示学籍在当时的状态。"},
      {"student number", "学籍号"},
      {"RFC 3339 time: show the history up to it and the record's state then",
       "RFC 3339 时间：显示截至该时间的历史以及学籍当时的状态"},
      {"Problem records (问题学籍) as of a date: DUPLICATE, "
       "PROBABLE_DUPLICATE, PHANTOM, INVALID_IDENTITY, AGE_OUT_OF_RANGE, "
       "OVERDUE_APPROVAL, OVERDUE_TRANSFER, LATE_ESTABLISHMENT, "
       "STALE_TEMPORARY_NUMBER, DORMANT_ACCOUNT.",
       "截至某日的问题学籍：DUPLICATE（重复）、PROBABLE_"
       "DUPLICATE（疑似重复）、PHANTOM（空挂）、INVALID_"
       "IDENTITY（身份信息无效）、AGE_OUT_OF_RANGE（年龄不符）、OVERDUE_"
       "APPROVAL（审核超期）、OVERDUE_TRANSFER（转学超期）、LATE_"
       "ESTABLISHMENT（建籍过晚）、STALE_TEMPORARY_"
       "NUMBER（临时学籍号逾期）、DORMANT_ACCOUNT（长期未用账号）。"},
      {"GB/T 2260 prefix: 2 (province), 4 (city) or 6 (county) digits",
       "GB/T 2260 代码前缀：2 位（省）、4 位（市）或 6 位（区县）"},
      {"only this kind (any case)", "只看此类型（不区分大小写）"},
      {"YYYY-MM-DD (default: today in Beijing time by the ledger clock)",
       "YYYY-MM-DD（默认：按账本时钟的北京时间今天）"},
      {"What waits for a county approver's decision (admissions, transfers, "
       "deferrals, cancellations, key-information edits, number "
       "conversions), oldest first, with the day each is due "
       "(approveWorkingDays working days after the request, the policy in "
       "force) and the working days left, today by the ledger's clock; and the "
       "export requests of the region waiting for the level above (no due "
       "day). A read: the reader's region (an approver: its county; a "
       "registrar: its kindergarten).",
       "等待区县审核员决定的事项（入园、转学、缓入学、注销、关键信息修改、临时"
       "学籍号转正），最早的在前，附各项的截止日期（按现行政策，为申请后 "
       "approveWorkingDays 个工作日）和按账本时钟计算的今天起剩余工作日；以及"
       "辖区内等待上一级审批的脱敏数据导出申请（无截止日期）。这是一次读取：范"
       "围"
       "为读取者的辖区（审核员：其区县；学籍管理员：其幼儿园）。"},
      {"GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits",
       "读取者辖区内的 GB/T 2260 代码前缀：2、4 或 6 位"},
      {"only this kind: ADMISSION, TRANSFER, DEFERRAL, CANCELLATION, "
       "KEY_INFO_EDIT, NUMBER_CONVERSION, EXPORT (any case)",
       "只看此类型：ADMISSION、TRANSFER、DEFERRAL、CANCELLATION、KEY_INFO_"
       "EDIT、NUMBER_CONVERSION、EXPORT（不区分大小写）"},
      {"JSON instead of a table (xueji.v1.PendingReport)",
       "输出 JSON 而不是表格（xueji.v1.PendingReport）"},
      {"Statistics (Art. 4, 23) as of a day (what was true then, from the "
       "history): records by county, kindergarten, status, age and gender; "
       "with --from/--to the flows of the period (admissions, transfers in "
       "and out, leaves, graduations, deferrals, cancellations); problem "
       "records and their rate; county approval timeliness. A read: the "
       "reader's region.",
       "统计（第四条、第二十三条）：截至某日（按历史记录，当日的真实情况）按区"
       "县、幼儿园、状态、年龄和性别统计学籍数；使用 --from/--to 时统计期间内的"
       "变动（入园、转入、转出、离园、毕业、缓学、注销）；问题学籍数及其比例；"
       "区县核准的及时性。这是一次读取：范围为读取者的辖区。"},
      {"first day of the period (YYYY-MM-DD, with --to)",
       "统计期间的第一天（YYYY-MM-DD，与 --to 同用）"},
      {"last day of the period (YYYY-MM-DD, inclusive)",
       "统计期间的最后一天（YYYY-MM-DD，含当日）"},
      {"one row per kindergarten, county, age or gender",
       "按幼儿园、区县、年龄或性别分行统计"},
      {"JSON instead of a table (xueji.v1.Stats)",
       "输出 JSON 而不是表格（xueji.v1.Stats）"},
      {"GB/T 2260 prefix", "GB/T 2260 代码前缀"},
      {"The policy versions the log records (setPolicy requests, Art. 26): "
       "those in force on a day, national first.",
       "日志记录的政策版本（setPolicy "
       "请求，第二十六条）：某日有效的版本，全国的在前。"},
      {"YYYY-MM-DD (default: today by the ledger clock)",
       "YYYY-MM-DD（默认：按账本时钟的今天）"},
      {"every version recorded", "所有记录的版本"},
      {"Who read what, when (DATA/access.log, or access.log beside --views "
       "DIR): every read of personal data, refused ones included; checks its "
       "hash chain (exit 3 naming the entry where it breaks). For auditors and "
       "officers: the reads of their region's operators.",
       "谁在何时读取了什么（DATA/access.log，或 --views DIR 旁的 "
       "access."
       "log）：每一次对个人信息的读取，包括被拒绝的；并检查其哈希链（断裂时退出"
       "码 3 并指明断在哪一条）。供审计员和主管使用：其辖区内操作员的读取。"},
      {"only this operator's reads", "只看此操作员的读取"},
      {"RFC 3339 time: only reads from then", "RFC 3339 时间：只看此后的读取"},
      {"The registry of kindergartens and operators.",
       "幼儿园和操作员的登记。"},
      {"Load kindergartens and operators from JSONL: "
       "{\"kindergarten\":{\"code\",\"name\",\"county\"}} or "
       "{\"operator\":{\"id\",\"role\":\"REGISTRAR|APPROVER|OFFICER|AUDITOR\","
       "\"org\"}}. Loading the same line again changes nothing. One result "
       "line per input line.",
       "从 JSONL "
       "加载幼儿园和操作员：{\"kindergarten\":{\"code\",\"name\",\"county\"}} "
       "或 "
       "{\"operator\":{\"id\",\"role\":\"REGISTRAR|APPROVER|OFFICER|AUDITOR\","
       "\"org\"}}。再次加载同一行不会改变任何内容。每个输入行输出一行结果。"},
      {"registry file, or - for standard input", "登记文件，或 - 表示标准输入"},
      {"Submit change requests: JSONL in (one request per line, protobuf JSON "
       "of xueji.v1.Request) or a CSV template (--format csv), one JSONL "
       "result per request out, in order.\nExit 0 all applied or pending, 1 "
       "any rejected, 2 unusable input, 3 storage error or ledger busy.",
       "提交变动请求：输入 JSONL（每行一个请求，xueji.v1.Request 的 protobuf "
       "JSON）或 CSV 模板（--format csv），按顺序为每个请求输出一行 JSONL "
       "结果。\n退出码：0 全部已生效或待审核，1 有请求被拒绝，2 "
       "输入无法使用，3 存储错误或账本忙。"},
      {"request file, or - for standard input", "请求文件，或 - 表示标准输入"},
      {"jsonl (default), or csv: a spreadsheet template, the admission or the "
       "change template (docs/csv-templates.md), header row in Chinese or "
       "English; each result names its row",
       "jsonl（默认）或 "
       "csv：电子表格模板，即入园模板或变动模板（docs/"
       "csv-templates.md），表头为中文或英文；每条结果注明其行号"},
      {"CSV text: auto (UTF-8 if it is, else GB18030), utf-8 or gb18030",
       "CSV 文本编码：auto（是 UTF-8 则按 UTF-8，否则按 GB18030）、utf-8 或 "
       "gb18030"},
      {"The answer a request got, by its requestId (JSON line).",
       "按 requestId 查询请求得到的答复（JSON 行）。"},
      {"the request's requestId", "请求的 requestId"},
      {"升学 hand-over (Art. 13): the graduates of a year (records GRADUATED "
       "that year) as a file the primary-school register takes, one "
       "xueji.v1.GraduateRecord per line (protobuf JSON), a new file of mode "
       "0600. Limited to the reader's region (--as); recorded in the access "
       "log.",
       "升学交接（第十三条）：某年的毕业生（当年毕业的学籍），写成小学学籍系统"
       "可接收的文件，每行一条 xueji.v1.GraduateRecord（protobuf JSON），新建"
       "文件，权限 0600。限于读者的辖区（--as）；记入访问日志。"},
      {"the graduation year, YYYY", "毕业年份，YYYY"},
      {"the file to write (must not exist)", "要写入的文件（不得已存在）"},
      {"publish each graduate (Graduated, Promoted) to PREFIX.graduates as a "
       "xueji.v1.GraduateRecord keyed by student number (Art. 13; one "
       "projector of a deployment)",
       "将每名毕业生（Graduated、Promoted）以 xueji.v1.GraduateRecord 发布到 "
       "PREFIX."
       "graduates，以学籍号为键（第十三条；一个部署中只由一个投影器发布）"},
      // ledger export (issue 10, item 5)
      {"De-identified export (Art. 22): writes the data of an approved export "
       "request (submit {\"export\":{purpose, region, fields}}, approved by "
       "the level above) as one xueji.v1.ExportFile (protobuf JSON), a new "
       "file of mode 0600: pseudonyms instead of names and numbers, dates as "
       "year-month, cells of fewer than exportMinCell children suppressed. "
       "Only the operator who requested it runs it (--as / --key); recorded "
       "in the access log.",
       "脱敏导出（第二十二条）：将经上级批准的导出申请（submit "
       "{\"export\":{purpose, region, fields}}）的数据写成一个 "
       "xueji.v1.ExportFile（protobuf JSON），新建文件，权限 0600：以化名代替"
       "姓名和证件号、学籍号，日期只到年月，少于 exportMinCell "
       "名幼儿的单元格不予公布。只能由提出申请的操作员运行（--as / "
       "--key）；记入访问日志。"},
      {"the approved export request's id", "已批准的导出申请的 requestId"},
      // `ledger cases` (issue 10: problem records worked to closure).
      {"Problem record cases (问题学籍, Art. 17, 24): each anomaly of a record "
       "opened as a case (openCase), answered by the kindergarten "
       "(resolveCase: EVIDENCE, CORRECTED or DELETE), decided by the county "
       "or the common superior (decideCase), closed. A read: the reader's "
       "region (a registrar: its kindergarten).",
       "问题学籍案件（第十七条、第二十四条）：学籍的每个问题立为一件案件"
       "（openCase），由幼儿园答复（resolveCase：EVIDENCE 佐证、CORRECTED "
       "变更或 DELETE 删除），由县级教育行政部门或共同上级裁定（decideCase），"
       "办结。读取：限于读取者的区域（学籍管理员：本园）。"},
      {"only open, answered or closed cases",
       "只列待答复（open）、待裁定（answered）或已办结（closed）的案件"},
      {"print an openCase request (JSON line) for every anomaly of a record "
       "in the region that has no case yet, to sign and submit",
       "为区域内尚未立案的每个学籍问题输出一条 openCase 请求（JSON "
       "行），供签名提交"},
      {"JSON instead of a table (xueji.v1.CaseReport)",
       "以 JSON 代替表格输出（xueji.v1.CaseReport）"},
  };
  return *table;
}

}  // namespace xueji

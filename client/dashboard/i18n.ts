/**
 * English and Chinese for every label and explanation on the page. `zh` is typed by `en`'s
 * keys, so a missing translation is a compile error (and a unit test checks none is empty).
 * The choice defaults from navigator.language and is remembered in localStorage.
 */

export const en = {
  title: 'pushrace',
  subtitle: 'one feed, four transports, raced side by side',
  language: 'Language',
  'view.race': 'Race',
  'view.single': 'Single',
  'view.charts': 'Charts',
  'view.inspector': 'Wire inspector',
  'views.label': 'Views',
  'controls.title': 'Controls',
  chat: 'Chat',
  'chat.placeholder': 'Say something to every transport',
  publish: 'Publish',
  'burst.count': 'Burst size',
  burst: 'Burst',
  'poll.interval': 'Poll interval (ms)',
  'longpoll.timeout': 'Long-poll timeout (ms)',
  'client.apply': 'Apply to lanes',
  'ticker.interval': 'Ticker interval (ms)',
  'log.rate': 'Log lines / s',
  'source.ticker': 'ticker',
  'source.log': 'log',
  'server.apply': 'Apply to server',
  'stats.clear': 'Clear stats',
  'client.group': 'Client (each lane)',
  'server.group': 'Server feed',
  'status.sent': 'published as #{seq}',
  'status.burst': 'burst #{first}–#{last} published in one go',
  'status.settings': 'server feed: {sources}, ticker every {ticker} ms, {log} log lines/s, {timing} timing',
  'status.cleared': 'counters cleared',
  'status.client': 'lanes restarted from their cursors: poll every {poll} ms, long-poll timeout {lp} ms',
  'status.sending': 'sending…',
  'transport.poll': 'Interval polling',
  'transport.long-poll': 'Long-polling',
  'transport.sse': 'Server-Sent Events',
  'transport.ws': 'WebSocket',
  'state.connecting': 'connecting',
  'state.open': 'open',
  'state.waiting': 'waiting',
  'state.reconnecting': 'reconnecting',
  'state.closed': 'closed',
  'state.paused': 'paused',
  pause: 'Pause',
  resume: 'Resume',
  'lane.received': 'received',
  'lane.last': 'last',
  'lane.mean': 'mean',
  'lane.reset': 'reset: the server could not resume from #{from} (epoch {epoch}); continuing after #{cursor}',
  'lane.caughtup': 'resumed from #{after}: caught up {n} messages',
  'race.why':
    'All four lanes subscribe to the same feed at once. Latency = receive time − publish time. Polling waits for its next beat; long-polling re-requests after every answer; SSE and WebSocket push at once.',
  'timeline.title': 'Timeline (last 10 s)',
  'timeline.why':
    'Each row is one transport. Each HTTP request is its own bar, from sent to answered (a long bar: held by the server until a message or the timeout), starting at a dark edge; dots are messages delivered; a line is an open stream or socket.',
  'single.title': 'One transport at a time',
  'single.why':
    'Switching keeps the cursor: the new transport resumes after the last seq this view has, so nothing is lost or shown twice. Callbacks still arriving from the old transport are dropped (generation id).',
  'single.transport': 'Transport',
  'single.position': 'cursor #{after} · epoch {epoch} · generation {gen}',
  'charts.latency': 'Latency over time',
  'charts.latency.why':
    'Each point is one live message: receive time − publish time. The dashed lines are the polling model: a message waits T/2 on average and up to T for the next poll.',
  'charts.cdf': 'Latency distribution',
  'charts.cdf.why':
    'Share of live messages delivered within x ms. Where a curve crosses the p50/p90/p99 lines is that percentile. Polling ramps across its interval; push transports are a near-vertical line. A lane’s catch-up after a pause and a burst’s backlog are counted apart.',
  'charts.requests': 'HTTP requests per second',
  'charts.requests.why':
    'From the server counters. Polling makes a request every interval whether or not anything happened; long-polling one per answer; SSE and WebSocket one per connection.',
  'charts.bytes': 'Bytes per delivered message',
  'charts.bytes.why':
    'Counted on the server sockets, both directions, split into protocol overhead (HTTP heads, frame headers, SSE field syntax) and payload, divided by messages delivered.',
  'charts.waste': 'Waste counters',
  'charts.waste.why':
    'Work that carried no message: empty poll answers, long-poll timeouts, and requests per delivered message (1 is one request per message; 0 means the connection is reused). The server columns count every client of this server; the last column only this tab’s requests.',
  'charts.model': 'The model, next to the measurement',
  'model.poll': 'Polling every {t} ms: expected wait {half} ms on average, at most {t} ms. Measured mean: {mean}.',
  'model.ws':
    'WebSocket frame header for the last payload ({len} bytes): {hdr} bytes server → client, {masked} bytes client → server (+4 mask key). 2 bytes up to 125, 4 up to 65 535, 10 above.',
  'model.nodata': 'no data yet',
  'col.transport': 'transport',
  'col.requests': 'requests',
  'col.empty': 'empty answers',
  'col.timeouts': 'timeouts',
  'col.delivered': 'delivered',
  'col.reqPerMsg': 'requests / message',
  'col.clientRequests': 'client requests',
  'col.p50': 'p50',
  'col.p90': 'p90',
  'col.p99': 'p99',
  'col.n': 'messages',
  'bytes.header': 'header / framing',
  'bytes.payload': 'payload',
  'axis.ms': 'ms',
  'axis.secondsAgo': 'seconds ago',
  'axis.share': 'share of messages',
  'axis.reqs': 'requests / s',
  'axis.bytes': 'bytes / message',
  'model.mean': 'poll model: T/2',
  'model.max': 'poll model: T',
  'inspector.why':
    'The browser cannot see raw HTTP heads or WebSocket frame headers, so the server captures them from the same socket parse that counts the bytes. Shown: this page’s own connections only (tagged inspect={tag}).',
  'inspector.refresh': 'Refresh',
  'inspector.request': 'Request head',
  'inspector.response': 'Response head',
  'inspector.bytes': '{n} bytes',
  'inspector.scope.tag': 'this page’s connection',
  'inspector.scope.none': 'nothing captured yet',
  'inspector.stream': 'Raw stream bytes (HTTP/1.1 chunk-size lines included)',
  'inspector.framesIn': 'Frames client → server (masked)',
  'inspector.framesOut': 'Frames server → client',
  'inspector.accept': 'Sec-WebSocket-Accept, derived step by step',
  'accept.key': '1. Sec-WebSocket-Key sent by the browser',
  'accept.concat': '2. key + GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
  'accept.sha1': '3. SHA-1 of that (hex, computed in this page)',
  'accept.base64': '4. base64 of the 20 bytes',
  'accept.server': '5. Sec-WebSocket-Accept sent by the server',
  'accept.match': 'match: the server proved it read this handshake',
  'accept.mismatch': 'MISMATCH',
  'accept.unavailable': 'crypto.subtle is not available here (not a secure context: use localhost)',
  'frame.fin': 'FIN',
  'frame.opcode': 'opcode',
  'frame.mask': 'MASK',
  'frame.len': 'length field',
  'frame.payload': 'payload bytes',
  'frame.header': 'header bytes',
  'frame.size': 'header size',
  'frame.preview': 'payload (start)',
  'publish.via': 'via',
  'via.http': 'HTTP POST',
  'via.ws': 'the WebSocket lane',
  timing: 'Timing',
  'timing.random': 'random (Poisson)',
  'timing.fixed': 'fixed (metronome)',
  'hosts.oneHost': 'one host for every tab (shows the browser’s limit)',
  'hosts.sharded':
    'Lanes on {host}, this tab’s own host name: a browser opens at most {n} HTTP/1.1 connections per host and each tab’s SSE stream and long-poll hold one each, so tabs sharing a host stall from the third on. Tabs of this page open: {tabs}.',
  'hosts.shared':
    'Lanes on {host}, shared by every tab: {held} of the browser’s {n} connections to it are held open (tabs holding them: {tabs}).',
  'hosts.limit':
    'Browser limit reached: {held} connections to {host} are held open by SSE streams and long-polls (tabs holding them: {tabs}), and a browser opens at most {n} per host over HTTP/1.1. Every other request to it (polls, publishing, the stats) now waits in the browser’s queue.',
  'hosts.waiting': 'A request of this tab has waited {s} s.',
  'hosts.fixShard':
    'Untick “one host for every tab” (each tab then uses a host name of its own), close a tab, or pause an SSE or long-poll lane. Over HTTP/2 all of them would share one connection.',
  'hosts.fixOther':
    'Close a tab or pause an SSE or long-poll lane. (Per-tab host names need the page on localhost over http; over HTTP/2 all would share one connection.)',
  'phase.locked':
    'Phase-locked: the server publishes on a fixed beat and this page polls every {t} ms, a multiple of it, so every poll catches the messages at the same point of its interval. Every poll latency is then the same, and the poll CDF is a step instead of a ramp: the T/2 model assumes messages arrive at random moments. Choose “random” timing to see it.',
  'legend.ok': 'request answered with messages (lane colour)',
  'legend.empty': 'empty answer (wasted)',
  'legend.timeout': 'long-poll timeout',
  'legend.error': 'error',
  'legend.edge': 'a request begins',
  'legend.message': 'message delivered',
  'legend.setApart': 'catch-up or burst delivery',
  'legend.open': 'open stream or socket',
  'col.apart': 'counted apart',
  'cdf.apart': '{c} catch-up · {b} burst',
  'scope.server': 'server: every client, since the counters were cleared',
  'scope.tab': 'this tab',
  'token.why':
    'This server needs its publish token (PUBLISH_TOKEN) to publish, change settings or inspect. It is kept for this tab’s session only.',
  'token.label': 'Publish token',
  'token.ok': 'Use it',
  'token.cancel': 'Cancel',
  'error.unreachable': 'server unreachable: is it running?',
  'error.unauthorized': 'refused: this server needs its publish token',
  'status.retrying': 'server unreachable, retrying (attempt {n})…',
  'status.wsNotOpen': 'the WebSocket lane is not open: resume it or wait until it is',
  'status.wsToken': 'token saved: the WebSocket lane reconnects with it; publish again',
  'status.sentWs': 'published over the WebSocket as #{seq}',
  'transport.short.poll': 'poll',
  'transport.short.long-poll': 'long-poll',
  'transport.short.sse': 'SSE',
  'transport.short.ws': 'WS',
  'kind.catch-up': 'catch-up: published while this lane was not listening; left out of the live statistics',
  'kind.burst': 'burst backlog: left out of the live statistics',
  'lane.apart': '{n} counted apart',
  'lane.reconnectNow': 'Reconnect now',
  'lane.resumed': '▶ resumed after #{after}: what follows up to now is catch-up',
  'single.switched': '⇄ {from} → {to}: the cursor #{after} is handed over',
  'inspector.sendWs': 'Send a frame over this page’s WebSocket',
  'inspector.wsHello': 'hello over the WebSocket',
  'window.since':
    'Measurement window since {time} ({reason}; at most the last 5 minutes). Catch-up and burst deliveries are counted apart.',
  'window.start': 'page opened',
  'window.poll': 'client options changed',
  'window.feed': 'server feed changed',
  'window.cleared': 'counters cleared',
  'window.hosts': 'lanes moved to another host',
  'model.measured': '{ms} ms over {n} live messages',
  'axis.msLog': 'ms (log)',
} as const;

export type Key = keyof typeof en;
export type Lang = 'en' | 'zh';

export const zh: Record<Key, string> = {
  title: 'pushrace',
  subtitle: '一个消息流，四种传输方式，同场竞速',
  language: '语言',
  'view.race': '竞速',
  'view.single': '单通道',
  'view.charts': '图表',
  'view.inspector': '线路检查器',
  'views.label': '视图',
  'controls.title': '控制',
  chat: '聊天',
  'chat.placeholder': '向所有传输方式发一条消息',
  publish: '发布',
  'burst.count': '突发数量',
  burst: '突发',
  'poll.interval': '轮询间隔（毫秒）',
  'longpoll.timeout': '长轮询超时（毫秒）',
  'client.apply': '应用到各通道',
  'ticker.interval': '行情间隔（毫秒）',
  'log.rate': '日志行数 / 秒',
  'source.ticker': '行情',
  'source.log': '日志',
  'server.apply': '应用到服务器',
  'stats.clear': '清空统计',
  'client.group': '客户端（每个通道）',
  'server.group': '服务器消息源',
  'status.sent': '已发布，序号 #{seq}',
  'status.burst': '一次性发布了 #{first}–#{last}',
  'status.settings': '服务器消息源：{sources}，行情每 {ticker} 毫秒，每秒 {log} 行日志，{timing}时序',
  'status.cleared': '计数器已清空',
  'status.client': '各通道已从游标处重启：每 {poll} 毫秒轮询，长轮询超时 {lp} 毫秒',
  'status.sending': '发送中…',
  'transport.poll': '定时轮询',
  'transport.long-poll': '长轮询',
  'transport.sse': '服务器推送事件（SSE）',
  'transport.ws': 'WebSocket',
  'state.connecting': '连接中',
  'state.open': '已打开',
  'state.waiting': '等待中',
  'state.reconnecting': '重连中',
  'state.closed': '已关闭',
  'state.paused': '已暂停',
  pause: '暂停',
  resume: '继续',
  'lane.received': '已收到',
  'lane.last': '最近',
  'lane.mean': '平均',
  'lane.reset': '重置：服务器无法从 #{from} 续传（纪元 {epoch}）；从 #{cursor} 之后继续',
  'lane.caughtup': '从 #{after} 继续：补齐了 {n} 条消息',
  'race.why':
    '四个通道同时订阅同一个消息流。延迟 = 接收时间 − 发布时间。轮询要等下一拍；长轮询每次应答后重新请求；SSE 和 WebSocket 立即推送。',
  'timeline.title': '时间线（最近 10 秒）',
  'timeline.why':
    '每行是一种传输方式。每个 HTTP 请求各画一根条，从发出到应答（长条：被服务器挂起，直到有消息或超时），起点是一条深色竖线；圆点是送达的消息；横线是保持打开的流或套接字。',
  'single.title': '一次一种传输方式',
  'single.why':
    '切换时保留游标：新的传输方式从本视图最后一个序号之后继续，不丢失也不重复。旧传输方式迟到的回调会被丢弃（代数 ID）。',
  'single.transport': '传输方式',
  'single.position': '游标 #{after} · 纪元 {epoch} · 代数 {gen}',
  'charts.latency': '延迟随时间变化',
  'charts.latency.why':
    '每个点是一条实时消息：接收时间 − 发布时间。虚线是轮询模型：消息平均等待 T/2，最多等待 T，直到下一次轮询。',
  'charts.cdf': '延迟分布',
  'charts.cdf.why':
    '在 x 毫秒内送达的实时消息比例。曲线与 p50/p90/p99 线的交点就是该百分位。轮询是横跨整个间隔的斜坡；推送方式几乎是一条竖线。通道暂停后的补齐和突发的积压单独计数。',
  'charts.requests': '每秒 HTTP 请求数',
  'charts.requests.why':
    '来自服务器计数器。轮询不管有没有消息，每个间隔都发一次请求；长轮询每次应答一次；SSE 和 WebSocket 每个连接一次。',
  'charts.bytes': '每条送达消息的字节数',
  'charts.bytes.why':
    '在服务器套接字上双向计数，分为协议开销（HTTP 头、帧头、SSE 字段语法）和有效载荷，再除以送达的消息数。',
  'charts.waste': '浪费计数',
  'charts.waste.why':
    '没有携带消息的工作：空的轮询应答、长轮询超时，以及每条送达消息的请求数（1 表示每条消息一个请求；0 表示连接被复用）。服务器各列统计这台服务器的所有客户端；最后一列只统计本标签页的请求。',
  'charts.model': '模型与测量并列',
  'model.poll': '每 {t} 毫秒轮询一次：平均等待 {half} 毫秒，最多 {t} 毫秒。实测平均：{mean}。',
  'model.ws':
    '最近一条载荷（{len} 字节）的 WebSocket 帧头：服务器 → 客户端 {hdr} 字节，客户端 → 服务器 {masked} 字节（+4 字节掩码）。载荷 ≤125 时 2 字节，≤65535 时 4 字节，更大时 10 字节。',
  'model.nodata': '暂无数据',
  'col.transport': '传输方式',
  'col.requests': '请求数',
  'col.empty': '空应答',
  'col.timeouts': '超时',
  'col.delivered': '已送达',
  'col.reqPerMsg': '请求 / 消息',
  'col.clientRequests': '客户端请求',
  'col.p50': 'p50',
  'col.p90': 'p90',
  'col.p99': 'p99',
  'col.n': '消息数',
  'bytes.header': '头部 / 帧开销',
  'bytes.payload': '有效载荷',
  'axis.ms': '毫秒',
  'axis.secondsAgo': '秒前',
  'axis.share': '消息比例',
  'axis.reqs': '请求 / 秒',
  'axis.bytes': '字节 / 消息',
  'model.mean': '轮询模型：T/2',
  'model.max': '轮询模型：T',
  'inspector.why':
    '浏览器看不到原始 HTTP 头或 WebSocket 帧头，所以由服务器在计数字节的同一次套接字解析中捕获。只显示本页自己的连接（标记 inspect={tag}）。',
  'inspector.refresh': '刷新',
  'inspector.request': '请求头',
  'inspector.response': '响应头',
  'inspector.bytes': '{n} 字节',
  'inspector.scope.tag': '本页自己的连接',
  'inspector.scope.none': '尚未捕获',
  'inspector.stream': '原始流字节（含 HTTP/1.1 分块长度行）',
  'inspector.framesIn': '帧：客户端 → 服务器（带掩码）',
  'inspector.framesOut': '帧：服务器 → 客户端',
  'inspector.accept': 'Sec-WebSocket-Accept 的逐步推导',
  'accept.key': '1. 浏览器发送的 Sec-WebSocket-Key',
  'accept.concat': '2. 密钥 + GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
  'accept.sha1': '3. 其 SHA-1（十六进制，在本页计算）',
  'accept.base64': '4. 20 字节的 base64',
  'accept.server': '5. 服务器发送的 Sec-WebSocket-Accept',
  'accept.match': '一致：服务器证明它读过这次握手',
  'accept.mismatch': '不一致',
  'accept.unavailable': '此处没有 crypto.subtle（不是安全上下文：请用 localhost）',
  'frame.fin': 'FIN',
  'frame.opcode': '操作码',
  'frame.mask': 'MASK',
  'frame.len': '长度字段',
  'frame.payload': '载荷字节',
  'frame.header': '帧头字节',
  'frame.size': '帧头大小',
  'frame.preview': '载荷（开头）',
  'publish.via': '经由',
  'via.http': 'HTTP POST',
  'via.ws': 'WebSocket 通道',
  timing: '时序',
  'timing.random': '随机（泊松）',
  'timing.fixed': '固定（节拍器）',
  'hosts.oneHost': '所有标签页共用一个主机名（演示浏览器的上限）',
  'hosts.sharded':
    '通道连接到 {host}，这是本标签页独有的主机名：浏览器对每个主机最多只开 {n} 个 HTTP/1.1 连接，而每个标签页的 SSE 流和长轮询各占一个，所以共用一个主机名时，从第三个标签页起就会卡住。本页面已打开的标签页：{tabs} 个。',
  'hosts.shared':
    '通道连接到 {host}，所有标签页共用：浏览器对它的 {n} 个连接中，有 {held} 个被一直占用（占用的标签页：{tabs} 个）。',
  'hosts.limit':
    '已达到浏览器上限：SSE 流和长轮询一直占用着到 {host} 的 {held} 个连接（占用的标签页：{tabs} 个），而浏览器通过 HTTP/1.1 对每个主机最多只开 {n} 个。发往它的其他请求（轮询、发布、统计）现在都在浏览器的队列里等待。',
  'hosts.waiting': '本标签页有一个请求已经等了 {s} 秒。',
  'hosts.fixShard':
    '取消勾选“所有标签页共用一个主机名”（每个标签页改用自己的主机名），或关掉一个标签页，或暂停一个 SSE 或长轮询通道。如果用 HTTP/2，它们会共用同一个连接。',
  'hosts.fixOther':
    '关掉一个标签页，或暂停一个 SSE 或长轮询通道。（每个标签页独有的主机名需要通过 http 在 localhost 上打开页面；如果用 HTTP/2，它们会共用同一个连接。）',
  'phase.locked':
    '相位锁定：服务器按固定节拍发布，而本页每 {t} 毫秒轮询一次，恰好是节拍的整数倍，所以每次轮询都在间隔的同一位置取到消息。于是每次轮询的延迟都一样，轮询的延迟分布是一个台阶而不是斜坡：T/2 模型假设消息在随机时刻到达。选择“随机”时序即可看到。',
  'legend.ok': '带回消息的请求（通道颜色）',
  'legend.empty': '空应答（白费）',
  'legend.timeout': '长轮询超时',
  'legend.error': '错误',
  'legend.edge': '一个请求的开始',
  'legend.message': '送达的消息',
  'legend.setApart': '补齐或突发的消息',
  'legend.open': '保持打开的流或套接字',
  'col.apart': '单独计数',
  'cdf.apart': '补齐 {c} · 突发 {b}',
  'scope.server': '服务器：所有客户端，自计数器清空以来',
  'scope.tab': '本标签页',
  'token.why': '这台服务器需要发布令牌（PUBLISH_TOKEN）才能发布、修改设置或查看线路。令牌只在本标签页的会话中保存。',
  'token.label': '发布令牌',
  'token.ok': '使用',
  'token.cancel': '取消',
  'error.unreachable': '无法连接服务器：它在运行吗？',
  'error.unauthorized': '被拒绝：这台服务器需要发布令牌',
  'status.retrying': '无法连接服务器，正在重试（第 {n} 次）…',
  'status.wsNotOpen': 'WebSocket 通道没有打开：请继续该通道，或等它连上',
  'status.wsToken': '令牌已保存：WebSocket 通道会带着它重新连接，请再发布一次',
  'status.sentWs': '已通过 WebSocket 发布，序号 #{seq}',
  'transport.short.poll': '轮询',
  'transport.short.long-poll': '长轮询',
  'transport.short.sse': 'SSE',
  'transport.short.ws': 'WS',
  'kind.catch-up': '补齐：在本通道没有收听时发布的消息；不计入实时统计',
  'kind.burst': '突发积压：不计入实时统计',
  'lane.apart': '{n} 条单独计数',
  'lane.reconnectNow': '立即重连',
  'lane.resumed': '▶ 从 #{after} 之后继续：接下来直到现在的都是补齐',
  'single.switched': '⇄ {from} → {to}：交接游标 #{after}',
  'inspector.sendWs': '通过本页的 WebSocket 发送一帧',
  'inspector.wsHello': '来自 WebSocket 的问候',
  'window.since': '测量窗口从 {time} 开始（{reason}；最多保留最近 5 分钟）。补齐和突发的消息单独计数。',
  'window.start': '打开页面',
  'window.poll': '客户端选项已修改',
  'window.feed': '服务器消息源已修改',
  'window.cleared': '计数器已清空',
  'window.hosts': '通道换了主机名',
  'model.measured': '{ms} 毫秒（{n} 条实时消息）',
  'axis.msLog': '毫秒（对数）',
};

export const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<Key, string>>>> = { en, zh };

/** `{name}` placeholders filled from `vars`; unknown ones are left as they are. */
export function format(template: string, vars: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The language to start with: the remembered one, else Chinese for a zh* browser, else English. */
export function initialLang(stored: string | null, browser: string | undefined): Lang {
  if (stored === 'en' || stored === 'zh') return stored;
  return browser?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The current language, and the listeners that re-render when it changes. */
let current: Lang = 'en';
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

/** A label in the current language, with placeholders filled. */
export function t(key: Key, vars?: Readonly<Record<string, string | number>>): string {
  return format(DICTIONARIES[current][key], vars);
}

/** Switches language and calls every listener (static labels, charts, dynamic text). */
export function setLang(next: Lang): void {
  current = next;
  for (const l of listeners) l();
}

/** Registers `render` to run on every language change; returns the unregister function. */
export function onLangChange(render: () => void): () => void {
  listeners.add(render);
  return () => listeners.delete(render);
}

/** Whether `s` names a key, so `data-i18n` attributes can be checked. */
export function isKey(s: string): s is Key {
  return s in en;
}

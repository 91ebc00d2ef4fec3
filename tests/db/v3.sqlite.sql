PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE articles (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  error_code TEXT,
  error_message TEXT,
  kind TEXT,
  input_path TEXT,
  input_url TEXT,
  input_format TEXT,
  input_bytes INTEGER,
  input_sha256 TEXT,
  fetched_at TEXT,
  url TEXT,
  biz TEXT,
  mid TEXT,
  idx INTEGER,
  sn TEXT,
  title TEXT,
  description TEXT,
  author TEXT,
  account_name TEXT,
  account_id TEXT,
  account_alias TEXT,
  account_avatar TEXT,
  published_at TEXT,
  cover TEXT,
  copyright TEXT,
  source_url TEXT,
  text TEXT,
  warnings TEXT NOT NULL DEFAULT '[]',
  record TEXT NOT NULL
);
INSERT INTO articles VALUES('MzA5MzE5MDAzOA==:2664199651:1','ok',NULL,NULL,'article','v1/通知.html',NULL,'html',582,'a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e',NULL,'https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=2664199651&idx=1&sn=0c2d1f3e4b5a69788796a5b4c3d2e1f0','MzA5MzE5MDAzOA==','2664199651',1,'0c2d1f3e4b5a69788796a5b4c3d2e1f0','关于发布2024年度第一批网络安全国家标准需求的通知',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'各有关单位：现将清单印发给你们，请围绕需求做好申报工作。','["title taken from <title>","no publish time found"]','{"schema":"wxingest.record/1","id":"MzA5MzE5MDAzOA==:2664199651:1","status":"ok","error":null,"kind":"article","source":{"path":"v1/通知.html","url":null,"format":"html","bytes":582,"sha256":"a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e","fetched_at":null,"captured_at":null},"url":"https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=2664199651&idx=1&sn=0c2d1f3e4b5a69788796a5b4c3d2e1f0","biz":"MzA5MzE5MDAzOA==","mid":"2664199651","idx":1,"sn":"0c2d1f3e4b5a69788796a5b4c3d2e1f0","title":"关于发布2024年度第一批网络安全国家标准需求的通知","description":null,"author":null,"account":{"name":null,"id":null,"alias":null,"avatar":null},"published_at":null,"cover":null,"copyright":null,"source_url":null,"text":"各有关单位：现将清单印发给你们，请围绕需求做好申报工作。","images":[{"url":"https://mmbiz.qpic.cn/sz_mmbiz_jpg/list/640?wx_fmt=jpeg","format":"jpeg","width":640,"height":514,"alt":null,"role":"content","local":"%E9%80%9A%E7%9F%A5_files/640.jpeg","sha256":"ce90a1db928d1844d4a88be6ce71063b6f92a16d17de9474fd79abbed659f832","bytes":68920,"text":"序号\t标准名称\t类型\t工作组\t周期\n1\tGB/T 41871-2022信息安全技术汽车数据处理安全要求\t修订\tWG7\t12个月\n2\tGB/T 44464-2024汽车数据通用要求\t修订\tWG7\t18个月\n3\tGB/T 43697-2024数据安全技术数据分类分级规则\t修订\tWG7\t12个月\n4\t数据安全技术个人信息保护合规审计要求\t制定\tWG7\t12个月\n5\t数据安全技术数据接口安全风险监测方法\t制定\tWG7\t18个月\n6\t网络安全技术生成式人工智能服务安全基本要求\t制定\tSWG-ET S\t12个月\n7\t信息安全技术生成式人工智能数据标注安全规\t制定\tSWG-ET S\t12个月\n8\t信息安全技术生成式人工智能预训练和优化训练数据安全规范\t制定\tSWG-ET S\t18个月","text_confidence":93}],"links":[],"dates":[{"text":"2024年","date":"2024","time":null,"end":null,"role":"mentioned"}],"notice":null,"warnings":["title taken from <title>","no publish time found"]}');
INSERT INTO articles VALUES('MzAwMDAwMDAwMQ==:2650000001:1','ok',NULL,NULL,'article','/work/wt-dbfts/tests/cases/notice-hand.html',NULL,'html',1235,'ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a',NULL,'https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef','MzAwMDAwMDAwMQ==','2650000001',1,'0123456789abcdef0123456789abcdef','公告 | 关于开展2025年度数据安全培训的通知（附报名表）',NULL,NULL,'示例标准化秘书处',NULL,NULL,NULL,'2025-05-22T16:00:00+08:00',NULL,NULL,NULL,replace('关于开展2025年度数据安全培训的通知\n标委秘字〔2025〕12号\n各成员单位、各工作组，以及有关单位：\n为提升数据安全能力，秘书处定于2025年6月18日下午3点召开培训会议。请于2025年6月10日前将报名表发送至指定邮箱。\n详情见 https://www.example.org/training/2025.html 。\n附件：1．培训日程安排\n2．报名回执表\n联系人：李明，电话：010-62345678，邮箱：liming@example.org\n赵芳 13912345678 zhaofang@example.org\n示例标准化技术委员会秘书处\n2025年5月20日\n（来源：示例标委网站）','\n',char(10)),'[]','{"schema":"wxingest.record/1","id":"MzAwMDAwMDAwMQ==:2650000001:1","status":"ok","error":null,"kind":"article","source":{"path":"/work/wt-dbfts/tests/cases/notice-hand.html","url":null,"format":"html","bytes":1235,"sha256":"ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a","fetched_at":null,"captured_at":null},"url":"https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef","biz":"MzAwMDAwMDAwMQ==","mid":"2650000001","idx":1,"sn":"0123456789abcdef0123456789abcdef","title":"公告 | 关于开展2025年度数据安全培训的通知（附报名表）","description":null,"author":null,"account":{"name":"示例标准化秘书处","id":null,"alias":null,"avatar":null},"published_at":"2025-05-22T16:00:00+08:00","cover":null,"copyright":null,"source_url":null,"text":"关于开展2025年度数据安全培训的通知\n标委秘字〔2025〕12号\n各成员单位、各工作组，以及有关单位：\n为提升数据安全能力，秘书处定于2025年6月18日下午3点召开培训会议。请于2025年6月10日前将报名表发送至指定邮箱。\n详情见 https://www.example.org/training/2025.html 。\n附件：1．培训日程安排\n2．报名回执表\n联系人：李明，电话：010-62345678，邮箱：liming@example.org\n赵芳 13912345678 zhaofang@example.org\n示例标准化技术委员会秘书处\n2025年5月20日\n（来源：示例标委网站）","images":[],"links":[{"url":"https://www.example.org/training/2025.html","text":"https://www.example.org/training/2025.html"}],"dates":[{"text":"2025年","date":"2025","time":null,"end":null,"role":"event"},{"text":"2025年","date":"2025","time":null,"end":null,"role":"event"},{"text":"2025年6月18日下午3点","date":"2025-06-18","time":"15:00","end":null,"role":"event"},{"text":"2025年6月10日","date":"2025-06-10","time":null,"end":null,"role":"deadline"},{"text":"2025年5月20日","date":"2025-05-20","time":null,"end":null,"role":"signed"}],"notice":{"title":"关于开展2025年度数据安全培训的通知","kind":"通知","doc_number":"标委秘字〔2025〕12号","addressees":["各成员单位","各工作组","有关单位"],"issuer":"示例标准化技术委员会秘书处","signed_on":"2025-05-20","deadlines":[{"date":"2025-06-10","text":"2025年6月10日前"}],"attachments":["培训日程安排","报名回执表","报名表"],"contacts":[{"name":"李明","phone":"010-62345678","email":"liming@example.org"},{"name":"赵芳","phone":"13912345678","email":"zhaofang@example.org"}],"links":["https://www.example.org/training/2025.html"],"source":"示例标委网站"},"warnings":[]}');
CREATE TABLE images (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  url TEXT NOT NULL,
  format TEXT,
  width INTEGER,
  height INTEGER,
  alt TEXT,
  role TEXT,
  local TEXT,
  PRIMARY KEY (article_id, pos)
);
INSERT INTO images VALUES('MzA5MzE5MDAzOA==:2664199651:1',0,'https://mmbiz.qpic.cn/sz_mmbiz_jpg/list/640?wx_fmt=jpeg','jpeg',640,514,NULL,'content','%E9%80%9A%E7%9F%A5_files/640.jpeg');
CREATE TABLE links (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  url TEXT NOT NULL,
  text TEXT,
  PRIMARY KEY (article_id, pos)
);
INSERT INTO links VALUES('MzAwMDAwMDAwMQ==:2650000001:1',0,'https://www.example.org/training/2025.html','https://www.example.org/training/2025.html');
CREATE TABLE dates (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  text TEXT NOT NULL,
  date TEXT NOT NULL,
  time TEXT,
  end_date TEXT,
  role TEXT NOT NULL,
  PRIMARY KEY (article_id, pos)
);
INSERT INTO dates VALUES('MzA5MzE5MDAzOA==:2664199651:1',0,'2024年','2024',NULL,NULL,'mentioned');
INSERT INTO dates VALUES('MzAwMDAwMDAwMQ==:2650000001:1',0,'2025年','2025',NULL,NULL,'event');
INSERT INTO dates VALUES('MzAwMDAwMDAwMQ==:2650000001:1',1,'2025年','2025',NULL,NULL,'event');
INSERT INTO dates VALUES('MzAwMDAwMDAwMQ==:2650000001:1',2,'2025年6月18日下午3点','2025-06-18','15:00',NULL,'event');
INSERT INTO dates VALUES('MzAwMDAwMDAwMQ==:2650000001:1',3,'2025年6月10日','2025-06-10',NULL,NULL,'deadline');
INSERT INTO dates VALUES('MzAwMDAwMDAwMQ==:2650000001:1',4,'2025年5月20日','2025-05-20',NULL,NULL,'signed');
CREATE TABLE notices (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  title TEXT,
  kind TEXT,
  doc_number TEXT,
  issuer TEXT,
  signed_on TEXT,
  source TEXT,
  addressees TEXT NOT NULL,
  deadlines TEXT NOT NULL,
  attachments TEXT NOT NULL,
  contacts TEXT NOT NULL,
  links TEXT NOT NULL,
  PRIMARY KEY (article_id, pos)
);
INSERT INTO notices VALUES('MzAwMDAwMDAwMQ==:2650000001:1',0,'关于开展2025年度数据安全培训的通知','通知','标委秘字〔2025〕12号','示例标准化技术委员会秘书处','2025-05-20','示例标委网站','["各成员单位","各工作组","有关单位"]','[{"date":"2025-06-10","text":"2025年6月10日前"}]','["培训日程安排","报名回执表","报名表"]','[{"name":"李明","phone":"010-62345678","email":"liming@example.org"},{"name":"赵芳","phone":"13912345678","email":"zhaofang@example.org"}]','["https://www.example.org/training/2025.html"]');
CREATE TABLE inputs (
  key TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  article_id TEXT,
  stored_at TEXT NOT NULL
);
INSERT INTO inputs VALUES('v1/通知.html','a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e','MzA5MzE5MDAzOA==:2664199651:1','2026-12-01T02:22:32Z');
INSERT INTO inputs VALUES('/work/wt-dbfts/tests/cases/notice-hand.html','ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a','MzAwMDAwMDAwMQ==:2650000001:1','2026-12-01T02:22:32Z');
CREATE TABLE status_history (
  seq INTEGER PRIMARY KEY,
  article_id TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  status TEXT NOT NULL,
  sha256 TEXT,
  via TEXT NOT NULL
);
INSERT INTO status_history VALUES(1,'MzA5MzE5MDAzOA==:2664199651:1','2026-12-01T02:22:32Z','ok','a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e','live');
INSERT INTO status_history VALUES(2,'MzAwMDAwMDAwMQ==:2650000001:1','2026-12-01T02:22:32Z','ok','ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a','live');
CREATE INDEX inputs_sha256 ON inputs(sha256);
CREATE INDEX articles_published_at ON articles(published_at);
CREATE INDEX status_history_article ON status_history(article_id, seq);
CREATE INDEX status_history_seen_at ON status_history(seen_at);
PRAGMA user_version = 3;
COMMIT;

--
-- PostgreSQL database dump
--

\restrict AGE25nYLzkdBfF8CtoHdy8MEiG0sRVw7GDe5goqFPE9gUPJ8r8aMDvx1TBDF2ru

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: articles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.articles (
    id text NOT NULL,
    status text NOT NULL,
    error_code text,
    error_message text,
    kind text,
    input_path text,
    input_url text,
    input_format text,
    input_bytes bigint,
    input_sha256 text,
    fetched_at text,
    url text,
    biz text,
    mid text,
    idx integer,
    sn text,
    title text,
    description text,
    author text,
    account_name text,
    account_id text,
    account_alias text,
    account_avatar text,
    published_at timestamp with time zone,
    cover text,
    copyright text,
    source_url text,
    text text,
    warnings jsonb DEFAULT '[]'::jsonb NOT NULL,
    record jsonb NOT NULL
);


--
-- Name: dates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dates (
    article_id text NOT NULL,
    pos integer NOT NULL,
    text text NOT NULL,
    date date NOT NULL,
    "time" text,
    end_date date,
    role text NOT NULL
);


--
-- Name: images; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.images (
    article_id text NOT NULL,
    pos integer NOT NULL,
    url text NOT NULL,
    format text,
    width integer,
    height integer,
    alt text,
    role text,
    local text
);


--
-- Name: inputs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inputs (
    key text NOT NULL,
    sha256 text NOT NULL,
    article_id text,
    stored_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.links (
    article_id text NOT NULL,
    pos integer NOT NULL,
    url text NOT NULL,
    text text
);


--
-- Name: notices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notices (
    article_id text NOT NULL,
    pos integer NOT NULL,
    title text,
    kind text,
    doc_number text,
    issuer text,
    signed_on date,
    source text,
    addressees jsonb NOT NULL,
    deadlines jsonb NOT NULL,
    attachments jsonb NOT NULL,
    contacts jsonb NOT NULL,
    links jsonb NOT NULL
);


--
-- Name: wxingest_schema; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.wxingest_schema (
    version integer NOT NULL
);


--
-- Data for Name: articles; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.articles (id, status, error_code, error_message, kind, input_path, input_url, input_format, input_bytes, input_sha256, fetched_at, url, biz, mid, idx, sn, title, description, author, account_name, account_id, account_alias, account_avatar, published_at, cover, copyright, source_url, text, warnings, record) FROM stdin;
MzA5MzE5MDAzOA==:2664199651:1	ok	\N	\N	article	v1/通知.html	\N	html	582	a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e	\N	https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=2664199651&idx=1&sn=0c2d1f3e4b5a69788796a5b4c3d2e1f0	MzA5MzE5MDAzOA==	2664199651	1	0c2d1f3e4b5a69788796a5b4c3d2e1f0	关于发布2024年度第一批网络安全国家标准需求的通知	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	各有关单位：现将清单印发给你们，请围绕需求做好申报工作。	["title taken from <title>", "no publish time found"]	{"id": "MzA5MzE5MDAzOA==:2664199651:1", "sn": "0c2d1f3e4b5a69788796a5b4c3d2e1f0", "biz": "MzA5MzE5MDAzOA==", "idx": 1, "mid": "2664199651", "url": "https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=2664199651&idx=1&sn=0c2d1f3e4b5a69788796a5b4c3d2e1f0", "kind": "article", "text": "各有关单位：现将清单印发给你们，请围绕需求做好申报工作。", "cover": null, "dates": [{"end": null, "date": "2024", "role": "mentioned", "text": "2024年", "time": null}], "error": null, "links": [], "title": "关于发布2024年度第一批网络安全国家标准需求的通知", "author": null, "images": [{"alt": null, "url": "https://mmbiz.qpic.cn/sz_mmbiz_jpg/list/640?wx_fmt=jpeg", "role": "content", "text": "序号\\t标准名称\\t类型\\t工作组\\t周期\\n1\\tGB/T 41871-2022信息安全技术汽车数据处理安全要求\\t修订\\tWG7\\t12个月\\n2\\tGB/T 44464-2024汽车数据通用要求\\t修订\\tWG7\\t18个月\\n3\\tGB/T 43697-2024数据安全技术数据分类分级规则\\t修订\\tWG7\\t12个月\\n4\\t数据安全技术个人信息保护合规审计要求\\t制定\\tWG7\\t12个月\\n5\\t数据安全技术数据接口安全风险监测方法\\t制定\\tWG7\\t18个月\\n6\\t网络安全技术生成式人工智能服务安全基本要求\\t制定\\tSWG-ET S\\t12个月\\n7\\t信息安全技术生成式人工智能数据标注安全规\\t制定\\tSWG-ET S\\t12个月\\n8\\t信息安全技术生成式人工智能预训练和优化训练数据安全规范\\t制定\\tSWG-ET S\\t18个月", "local": "%E9%80%9A%E7%9F%A5_files/640.jpeg", "width": 640, "format": "jpeg", "height": null, "text_confidence": 93}], "notice": null, "schema": "wxingest.record/1", "source": {"url": null, "path": "v1/通知.html", "bytes": 582, "format": "html", "sha256": "a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e", "fetched_at": null}, "status": "ok", "account": {"id": null, "name": null, "alias": null, "avatar": null}, "warnings": ["title taken from <title>", "no publish time found"], "copyright": null, "source_url": null, "description": null, "published_at": null}
MzAwMDAwMDAwMQ==:2650000001:1	ok	\N	\N	article	/work/wt-dbfts/tests/cases/notice-hand.html	\N	html	1235	ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a	\N	https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef	MzAwMDAwMDAwMQ==	2650000001	1	0123456789abcdef0123456789abcdef	公告 | 关于开展2025年度数据安全培训的通知（附报名表）	\N	\N	示例标准化秘书处	\N	\N	\N	2025-05-22 08:00:00+00	\N	\N	\N	关于开展2025年度数据安全培训的通知\n标委秘字〔2025〕12号\n各成员单位、各工作组，以及有关单位：\n为提升数据安全能力，秘书处定于2025年6月18日下午3点召开培训会议。请于2025年6月10日前将报名表发送至指定邮箱。\n详情见 https://www.example.org/training/2025.html 。\n附件：1．培训日程安排\n2．报名回执表\n联系人：李明，电话：010-62345678，邮箱：liming@example.org\n赵芳 13912345678 zhaofang@example.org\n示例标准化技术委员会秘书处\n2025年5月20日\n（来源：示例标委网站）	[]	{"id": "MzAwMDAwMDAwMQ==:2650000001:1", "sn": "0123456789abcdef0123456789abcdef", "biz": "MzAwMDAwMDAwMQ==", "idx": 1, "mid": "2650000001", "url": "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef", "kind": "article", "text": "关于开展2025年度数据安全培训的通知\\n标委秘字〔2025〕12号\\n各成员单位、各工作组，以及有关单位：\\n为提升数据安全能力，秘书处定于2025年6月18日下午3点召开培训会议。请于2025年6月10日前将报名表发送至指定邮箱。\\n详情见 https://www.example.org/training/2025.html 。\\n附件：1．培训日程安排\\n2．报名回执表\\n联系人：李明，电话：010-62345678，邮箱：liming@example.org\\n赵芳 13912345678 zhaofang@example.org\\n示例标准化技术委员会秘书处\\n2025年5月20日\\n（来源：示例标委网站）", "cover": null, "dates": [{"end": null, "date": "2025", "role": "event", "text": "2025年", "time": null}, {"end": null, "date": "2025", "role": "event", "text": "2025年", "time": null}, {"end": null, "date": "2025-06-18", "role": "event", "text": "2025年6月18日下午3点", "time": "15:00"}, {"end": null, "date": "2025-06-10", "role": "deadline", "text": "2025年6月10日", "time": null}, {"end": null, "date": "2025-05-20", "role": "signed", "text": "2025年5月20日", "time": null}], "error": null, "links": [{"url": "https://www.example.org/training/2025.html", "text": "https://www.example.org/training/2025.html"}], "title": "公告 | 关于开展2025年度数据安全培训的通知（附报名表）", "author": null, "images": [], "notice": {"kind": "通知", "links": ["https://www.example.org/training/2025.html"], "title": "关于开展2025年度数据安全培训的通知", "issuer": "示例标准化技术委员会秘书处", "source": "示例标委网站", "contacts": [{"name": "李明", "email": "liming@example.org", "phone": "010-62345678"}, {"name": "赵芳", "email": "zhaofang@example.org", "phone": "13912345678"}], "deadlines": [{"date": "2025-06-10", "text": "2025年6月10日前"}], "signed_on": "2025-05-20", "addressees": ["各成员单位", "各工作组", "有关单位"], "doc_number": "标委秘字〔2025〕12号", "attachments": ["培训日程安排", "报名回执表", "报名表"]}, "schema": "wxingest.record/1", "source": {"url": null, "path": "/work/wt-dbfts/tests/cases/notice-hand.html", "bytes": 1235, "format": "html", "sha256": "ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a", "fetched_at": null}, "status": "ok", "account": {"id": null, "name": "示例标准化秘书处", "alias": null, "avatar": null}, "warnings": [], "copyright": null, "source_url": null, "description": null, "published_at": "2025-05-22T16:00:00+08:00"}
\.


--
-- Data for Name: dates; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.dates (article_id, pos, text, date, "time", end_date, role) FROM stdin;
MzA5MzE5MDAzOA==:2664199651:1	0	2024年	2024-01-01	\N	\N	mentioned
MzAwMDAwMDAwMQ==:2650000001:1	0	2025年	2025-01-01	\N	\N	event
MzAwMDAwMDAwMQ==:2650000001:1	1	2025年	2025-01-01	\N	\N	event
MzAwMDAwMDAwMQ==:2650000001:1	2	2025年6月18日下午3点	2025-06-18	15:00	\N	event
MzAwMDAwMDAwMQ==:2650000001:1	3	2025年6月10日	2025-06-10	\N	\N	deadline
MzAwMDAwMDAwMQ==:2650000001:1	4	2025年5月20日	2025-05-20	\N	\N	signed
\.


--
-- Data for Name: images; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.images (article_id, pos, url, format, width, height, alt, role, local) FROM stdin;
MzA5MzE5MDAzOA==:2664199651:1	0	https://mmbiz.qpic.cn/sz_mmbiz_jpg/list/640?wx_fmt=jpeg	jpeg	640	\N	\N	content	%E9%80%9A%E7%9F%A5_files/640.jpeg
\.


--
-- Data for Name: inputs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.inputs (key, sha256, article_id, stored_at) FROM stdin;
v1/通知.html	a7cf7128e97659336d5ee0ee26cf918fb6a0922bc034c0907585728d94f4321e	MzA5MzE5MDAzOA==:2664199651:1	2026-12-01 01:57:52.88175+00
/work/wt-dbfts/tests/cases/notice-hand.html	ea3a9e67ca3be41362a2b299294d6817b09e800d25f733cfd7a1bb38d8cc043a	MzAwMDAwMDAwMQ==:2650000001:1	2026-12-01 01:57:52.88175+00
\.


--
-- Data for Name: links; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.links (article_id, pos, url, text) FROM stdin;
MzAwMDAwMDAwMQ==:2650000001:1	0	https://www.example.org/training/2025.html	https://www.example.org/training/2025.html
\.


--
-- Data for Name: notices; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.notices (article_id, pos, title, kind, doc_number, issuer, signed_on, source, addressees, deadlines, attachments, contacts, links) FROM stdin;
MzAwMDAwMDAwMQ==:2650000001:1	0	关于开展2025年度数据安全培训的通知	通知	标委秘字〔2025〕12号	示例标准化技术委员会秘书处	2025-05-20	示例标委网站	["各成员单位", "各工作组", "有关单位"]	[{"date": "2025-06-10", "text": "2025年6月10日前"}]	["培训日程安排", "报名回执表", "报名表"]	[{"name": "李明", "email": "liming@example.org", "phone": "010-62345678"}, {"name": "赵芳", "email": "zhaofang@example.org", "phone": "13912345678"}]	["https://www.example.org/training/2025.html"]
\.


--
-- Data for Name: wxingest_schema; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.wxingest_schema (version) FROM stdin;
2
\.


--
-- Name: articles articles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_pkey PRIMARY KEY (id);


--
-- Name: dates dates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dates
    ADD CONSTRAINT dates_pkey PRIMARY KEY (article_id, pos);


--
-- Name: images images_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_pkey PRIMARY KEY (article_id, pos);


--
-- Name: inputs inputs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inputs
    ADD CONSTRAINT inputs_pkey PRIMARY KEY (key);


--
-- Name: links links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.links
    ADD CONSTRAINT links_pkey PRIMARY KEY (article_id, pos);


--
-- Name: notices notices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notices
    ADD CONSTRAINT notices_pkey PRIMARY KEY (article_id, pos);


--
-- Name: articles_published_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX articles_published_at ON public.articles USING btree (published_at);


--
-- Name: inputs_sha256; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX inputs_sha256 ON public.inputs USING btree (sha256);


--
-- Name: dates dates_article_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dates
    ADD CONSTRAINT dates_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;


--
-- Name: images images_article_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;


--
-- Name: links links_article_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.links
    ADD CONSTRAINT links_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;


--
-- Name: notices notices_article_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notices
    ADD CONSTRAINT notices_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict AGE25nYLzkdBfF8CtoHdy8MEiG0sRVw7GDe5goqFPE9gUPJ8r8aMDvx1TBDF2ru


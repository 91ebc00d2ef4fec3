// Mozilla Readability (@mozilla/readability) over every file, in one
// process, on linkedom or on jsdom: the files are read first, then the
// clock runs while each is parsed into a DOM and its title and text
// extracted.  Prints "docs bytes seconds".
//
//     node alt_readability.mjs linkedom|jsdom REPEAT FILE...
import { readFileSync } from "node:fs";
import { Readability } from "@mozilla/readability";

const [engine, repeatArg, ...files] = process.argv.slice(2);
const repeat = Number(repeatArg);
const pages = files.map((f) => readFileSync(f, "utf8"));
const bytes = files.map((f) => readFileSync(f).length);

let parse;
if (engine === "linkedom") {
  const { parseHTML } = await import("linkedom");
  parse = (html) => parseHTML(html).document;
} else if (engine === "jsdom") {
  const { JSDOM, VirtualConsole } = await import("jsdom");
  const quiet = new VirtualConsole();   // no CSS/script errors on the console
  parse = (html) => new JSDOM(html, { virtualConsole: quiet }).window.document;
} else {
  console.error("engine must be linkedom or jsdom");
  process.exit(64);
}

let docs = 0, nbytes = 0, chars = 0;
const t0 = process.hrtime.bigint();
for (let r = 0; r < repeat; r++) {
  for (let i = 0; i < pages.length; i++) {
    try {
      const article = new Readability(parse(pages[i])).parse();
      if (article) chars += (article.title || "").length + (article.textContent || "").length;
    } catch (e) {
      // a page it cannot handle still counts
    }
    docs++;
    nbytes += bytes[i];
  }
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(docs, nbytes, secs.toFixed(6), chars);

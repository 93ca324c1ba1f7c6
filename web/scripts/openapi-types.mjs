// The HTTP API's TypeScript types from its OpenAPI document: reads the document (JSON)
// on stdin, writes TypeScript on stdout. `python -m server.http.openapi_types` runs it.
import openapiTS, { astToString } from "openapi-typescript";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const document = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const ast = await openapiTS(document, { silent: true, alphabetize: true, defaultNonNullable: false });
process.stdout.write(astToString(ast));

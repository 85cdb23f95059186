// A binary gRPC client as a Node app writes one: @grpc/grpc-js with @grpc/proto-loader
// loading the committed proto. Usage: node grpc_client.js ADDRESS METHOD REQUEST_JSON.
// Prints the answer as JSON, or {"code", "details"} and exits 1 when the call fails.
"use strict";
const path = require("path");
const grpc = require("@grpc/grpc-js");
const loader = require("@grpc/proto-loader");

const [address, method, body] = process.argv.slice(2);
const definition = loader.loadSync("cognito_gateway/v1/user_pool.proto", {
  includeDirs: [path.resolve(__dirname, "../../../proto")],
  longs: String,
  enums: String,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).cognito_gateway.v1;
const client = new v1.UserPoolService(address, grpc.credentials.createInsecure());
client[method](JSON.parse(body), { deadline: Date.now() + 30000 }, (error, answer) => {
  client.close();
  if (error) {
    console.log(JSON.stringify({ code: grpc.status[error.code], details: error.details }));
    process.exit(1);
  }
  console.log(JSON.stringify(answer));
});

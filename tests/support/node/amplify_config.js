// Loads a frontend-config document into aws-amplify as an app would, and prints the
// configuration Amplify resolved from it (Amplify.getConfig()).
const { Amplify } = require("aws-amplify");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  Amplify.configure(JSON.parse(input));
  process.stdout.write(JSON.stringify(Amplify.getConfig()));
});

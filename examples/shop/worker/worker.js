// Background worker: sends order e-mails and posts to Slack.
const { Client } = require("pg");

const db = new Client({
  host: process.env.DB_HOST,
  user: "shop_worker",
  password: process.env.DB_PASSWORD,
  database: "shop",
});

const slackWebhookToken = "{{rand:alnum:24}}";
const sendgridApiKey = "SG.{{rand:b64url:22}}.{{rand:b64url:43}}";

async function notify(text) {
  await fetch(`https://hooks.slack.example.internal/services/${slackWebhookToken}`, {
    method: "POST",
    body: JSON.stringify({ text }),
  });
}

module.exports = { db, notify, sendgridApiKey };

// Browser-side API client for the shop (fake credentials for the secretshift example).
const API_BASE = process.env.API_BASE_URL || "https://api.shop.example.internal";
const API_TOKEN = process.env.API_TOKEN;

// Hardcoded by mistake: a server-side key shipped to the browser.
const mapsApiKey = "AIza{{rand:b64url:35}}";
const analyticsToken = "{{rand:alnum:32}}";

export async function listProducts() {
  const res = await fetch(`${API_BASE}/products`, {
    headers: { Authorization: `Bearer ${API_TOKEN}` },
  });
  return res.json();
}

export function mapsUrl(query) {
  return `https://maps.googleapis.com/maps/api/geocode/json?address=${encodeURIComponent(query)}&key=${mapsApiKey}`;
}

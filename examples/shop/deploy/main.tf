provider "aws" {
  region     = "eu-west-1"
  access_key = "{{ref:AWS_ACCESS_KEY_ID}}"
  secret_key = "{{ref:AWS_SECRET_ACCESS_KEY}}"
}

variable "db_password" {
  type    = string
  default = "{{ref:DB_PASSWORD}}"
}

resource "aws_db_instance" "shop" {
  identifier        = "shop"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "shop_admin"
  password          = var.db_password
}
